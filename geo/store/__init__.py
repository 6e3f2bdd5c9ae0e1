"""Where the data lives: the store every other layer reads and writes through."""

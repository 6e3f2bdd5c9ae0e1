"""What leaves the app: exports, the deck, table formats, the help text."""

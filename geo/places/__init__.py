"""Where things are: exact point-in-polygon assignment, assignment at every level, drawn shapes."""

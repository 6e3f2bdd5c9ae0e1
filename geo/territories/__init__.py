"""Territory design: territories made of units of a finer level (counties, states, postcode
areas), the figures that judge an alignment, and balancing that moves units between
territories."""

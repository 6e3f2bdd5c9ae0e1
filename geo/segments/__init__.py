"""What to look at: the filters, the segment and its link and JSON, saved segments, the selection
and its sums per area.
"""

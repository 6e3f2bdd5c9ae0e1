"""Bringing files in: bounded, validated readers for areas, customers and sales, and the
all-or-nothing import runner.
"""

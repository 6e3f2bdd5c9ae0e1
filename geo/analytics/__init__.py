"""What the selection means: scores, RFM views, flows, look-alikes, the backtest, map metrics, the
customer card and search.
"""

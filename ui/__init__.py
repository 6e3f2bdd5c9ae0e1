"""Streamlit glue for GeoCRM: imported only by app.py and pages/."""

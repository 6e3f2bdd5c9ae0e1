"""GeoCRM core: reading, locating, storing, assigning and summarising CRM data by area.

Plain Python over pandas/geopandas. Nothing here imports Streamlit, so everything the app
does can be done from tests and from the ``geocrm`` command line.
"""

__version__ = "0.1.0"

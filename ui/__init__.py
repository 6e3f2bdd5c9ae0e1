"""Streamlit glue for GeoCRM: imported only by app.py and pages/."""

from streamlit.runtime.pages_manager import PagesManager

# Streamlit takes a folder named pages/ beside app.py for an old-style multipage app until
# app.py has once called st.navigation; a first visit to, say, /areas on a fresh server
# would run that page alone, without app.py's sidebar. GeoCRM always navigates through
# st.navigation in app.py, so say so from the first import on.
PagesManager.uses_pages_directory = False

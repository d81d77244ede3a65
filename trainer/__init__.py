"""People, attempts, progress and analytics (no Streamlit here)."""

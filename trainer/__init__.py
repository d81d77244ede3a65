"""People, learning and analytics over app.db: people/, learning/, analytics/, storage/ (no Streamlit here)."""

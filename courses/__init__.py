"""Course content and its schema (no Streamlit here)."""

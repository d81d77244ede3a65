"""app.db: its schema and migrations (db), backup and restore of a data folder (backup)."""

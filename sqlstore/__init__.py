"""SQLite plumbing every store uses: fault-translating connections, migrations, a shared connection."""

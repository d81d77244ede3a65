"""Daily-job tools over the knowledge base and app.db: draft checker, reply desk, account health check."""

"""Persistence: models, engine and transactions, the change journal, migrations."""

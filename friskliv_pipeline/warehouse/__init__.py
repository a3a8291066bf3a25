"""The SQLAlchemy warehouse: contract tables, their staging twins, and which tables a run stages."""

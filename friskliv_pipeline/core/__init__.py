"""What every layer shares: the data contract, the reference tables, settings, errors a person can act on, pseudonyms."""

"""The domain: entities, interval arithmetic and the booking rules. No framework, no database."""

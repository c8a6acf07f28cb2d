"""Feature packages beyond the core API, one per feature (see docs/development.md)."""

"""Feature packages (see docs/development.md, "Adding a feature")."""

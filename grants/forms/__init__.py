"""Flask-WTF forms: shape-level validation only; rules live in the services."""

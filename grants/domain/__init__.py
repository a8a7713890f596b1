"""Pure domain rules: standard library only, testable without Flask or a database."""

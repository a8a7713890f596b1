"""Demo data, kept apart from the use cases: ``flask seed-demo`` loads it.

- ``reference``: the catalogue, communes and organisations of the demo (fixed data);
- ``accounts``: one demo account per role and the documented demo password;
- ``base``: ``seed_base()`` writes the above with the 2025 and 2026 program years;
- ``bulk``: ``generate(n)`` adds n generated dossiers in every state, batch by batch (the CLI
  commits between batches).

Nothing here commits: the caller does, with ``grants.db.atomic``.
"""

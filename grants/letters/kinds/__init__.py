"""One module per document kind, each ending in its ``SPEC`` (listed in grants.letters.registry)."""

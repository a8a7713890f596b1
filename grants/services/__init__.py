"""Use cases: one function per verb; they flush and never commit."""

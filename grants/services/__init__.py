"""Use cases: one function per verb; they flush and never commit."""

# The report summaries are kept by flush hooks: registered with the first import of a service.
from grants.services import summaries as _summaries  # noqa: E402, F401

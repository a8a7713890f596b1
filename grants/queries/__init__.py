"""Read side: named queries for pages, API and exports (no writes)."""

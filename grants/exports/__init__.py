"""Excel exports built from plain rows (no Flask): column specs in, .xlsx bytes out."""

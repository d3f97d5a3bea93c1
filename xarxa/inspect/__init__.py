"""Tools for seeing what a network does: `summary` (per-layer table, depth and width) and
`receptive_field` (each layer's field, jump and start)."""
from .receptive_field import FieldRow, receptive_field  # noqa: F401
from .summary import Row, Summary, summary  # noqa: F401

__all__ = ["FieldRow", "Row", "Summary", "receptive_field", "summary"]

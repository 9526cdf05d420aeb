"""Page texts of the answers work: key -> (German, English)."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {}

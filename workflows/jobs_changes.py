"""Jobs of the changes work; registered with ``@job`` from ``workflows.jobs``."""

from __future__ import annotations

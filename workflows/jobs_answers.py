"""Jobs of the answers work; registered with ``@job`` from ``workflows.jobs``."""

from __future__ import annotations

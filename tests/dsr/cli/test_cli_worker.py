"""``dsr worker``'s preload: what the jobs use is built in the worker before its first job,
so that forked work horses inherit it instead of building it per job."""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics

from dsr.answers.report.layout import FONT, FONT_BOLD
from dsr.cli.worker import preload
from dsr.context import Services
from dsr.rendering import template_env


def test_preload_builds_the_connectors_fonts_and_templates(services: Services) -> None:
    assert services.built_connectors() == []
    template_env.cache_clear()
    preload(services)
    assert {type(c).__name__ for c in services.built_connectors()} >= {"ShopSqlConnector"}
    assert {FONT, FONT_BOLD} <= set(pdfmetrics.getRegisteredFontNames())
    loaded = template_env().cache
    assert loaded is not None and any("mail/" in str(key) for key in loaded)

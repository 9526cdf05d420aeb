"""Services on the demo shop with two service e-mails written from a real letter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsr.context import Services
from tests.conftest import _services
from tests.support.corpus_mail import shop_with_letters


@pytest.fixture
def letter_services(tmp_path: Path, service_db_url: str,
                    demo_shop: dict[str, Any]) -> Iterator[Services]:
    built = _services(tmp_path, service_db_url,
                      shop_with_letters(demo_shop["url"], tmp_path / "shop.sqlite"))
    yield built
    built.close()

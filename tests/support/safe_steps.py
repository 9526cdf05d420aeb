"""Irreversible steps in web tests: post the form (the summary page comes back, nothing is
done), then confirm with the summary's digest, as the coordinator's second click does."""

from __future__ import annotations

import re
from typing import Any


def summary_digest(page: str) -> str:
    """The digest a summary page carries in its confirming form."""
    found = re.search(r'name="digest" value="([0-9a-f]{64})"', page)
    assert found, "no summary page"
    return found.group(1)


def confirmed(client: Any, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Post ``data`` to a step's ``path``, then confirm the summary it shows."""
    shown = client.post(path, data=data)
    assert shown.status_code == 200, shown.status_code
    return client.post(path, data={**data, "digest": summary_digest(shown.get_data(as_text=True))},
                       **kwargs)

"""The services' refusals: typed exceptions that carry a message id and its parameters.

A service raises ``SomeError("extend: the request is {status}", msgid="err_extend_state",
status=request.status)``. ``str()`` of the error is its plain text (the CLI, the REST API and
the logs show it); a page translates it at the edge with the message id and parameters from
the catalogs (``dsr.web.i18n.service_error``), so rewording the plain text never loses a
translation. An error without a message id is shown as its plain text everywhere."""

from __future__ import annotations


class ServiceError(ValueError):
    """A refusal of a service: ``text`` (``str.format`` fields filled from ``params``) for
    the CLI, API and logs; ``msgid`` names the text the pages show, in the catalogs."""

    def __init__(self, text: str, *, msgid: str | None = None, **params: object) -> None:
        self.text, self.msgid, self.params = text, msgid, params
        super().__init__(text.format(**params) if params else text)

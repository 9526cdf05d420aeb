"""The rectification editor (Art. 16): a page of its own, for the coordinator, while the
request is in review and before approval. It shows every row of the subject that holds a
rectifiable field (the account, billing and delivery addresses apart, the issued invoices) with
the stored and the proposed value per row and field; the coordinator picks rows and fields and
only those change on execution. An invoice under retention is never rewritten: its correction
is recorded beside it (§146(4) AO)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from connectors.base import ConnectorError
from connectors.capabilities import DataMapped, capable
from connectors.changes import RectifiesByRow
from dsr.changes import operations as changes
from dsr.changes import rectification
from dsr.permissions import Permission
from dsr.requests.models import Request
from dsr.requests.subjects import subject_for, subject_in
from dsr.users.views import actor
from dsr.web.context import clock, db_session
from dsr.web.i18n import _, service_error
from dsr.web.permissions import require

bp = Blueprint("rectification", __name__, url_prefix="/queue")


def _services() -> Any:
    return current_app.extensions["dsr"]


def _rows(req: Request) -> list[rectification.EditorRow]:
    """The editor's rows for the request, read from every system that shows them."""
    services = _services()
    found = {}
    for name, connector in services.all_capable(RectifiesByRow):
        keys = [list(key) for key in subject_for(req, name).keys]
        if not keys:
            continue
        wanted = changes.change_request(services, db_session(), req, name, keys,
                                        clock().today())
        found[name] = connector.rectifiable_rows(subject_in(services, req, name), wanted)
    return rectification.editor_rows(found, rectification.requested_of(req),
                                     changes.corrections_of(req),
                                     changes.row_corrections_of(db_session(), req))


def _labels(rows: list[rectification.EditorRow], lang: str) -> dict[str, Any]:
    """Table, column and code labels of the rows shown, from the data maps."""
    services = _services()
    tables: dict[str, str] = {}
    columns: dict[str, str] = {}
    kinds: dict[tuple[str, str, str], str] = {}
    for row in rows:
        mapped = capable(services.connectors.get(row.connector), DataMapped)
        for table in mapped.tables if mapped is not None else ():
            if table.name != row.table:
                continue
            tables[table.name] = str(table.label.get(lang, table.name))
            for column in table.columns:
                columns[f"{table.name}.{column.name}"] = str(column.label.get(lang, column.name))
                for code, label in (column.values or {}).items():
                    kinds[(table.name, column.name, code)] = str(label.get(lang, code))
    return {"tables": tables, "columns": columns,
            "kinds": {(row.table, row.key): [kinds.get((row.table, name, code), code)
                                             for name, code in row.kinds] for row in rows}}


def _page(req: Request, rows: list[rectification.EditorRow], status: int = 200,
          error: str = "") -> Any:
    lang = g.get("lang", "de")
    labels = _labels(rows, lang)
    by_table: dict[str, list[rectification.EditorRow]] = {}
    for row in rows:
        by_table.setdefault(row.table, []).append(row)
    return render_template("rectification_editor.html", req=req, by_table=by_table,
                           labels=labels, error=error,
                           requested=rectification.requested_of(req),
                           saved=bool(changes.row_corrections_of(db_session(), req))), status


def _editable(request_id: int) -> tuple[Request, list[rectification.EditorRow], Any]:
    """The request and its rows, or (third) the page that says why they cannot be edited."""
    req = db_session().get(Request, request_id)
    if req is None:
        abort(404)
    if "rectification" not in req.types:
        return req, [], _page(req, [], 409, _("err_not_rectification"))
    try:
        return req, _rows(req), None
    except ConnectorError:
        return req, [], _page(req, [], 503, _("rect_editor_unreadable"))


@bp.get("/requests/<int:request_id>/rectification")
@require(Permission.REQUESTS_DECIDE)
def editor(request_id: int) -> Any:
    """The rows and fields of the subject that a rectification can change."""
    req, rows, refused = _editable(request_id)
    return refused if refused is not None else _page(req, rows)


@bp.post("/requests/<int:request_id>/rectification")
@require(Permission.REQUESTS_DECIDE)
def save(request_id: int) -> Any:
    """Store the picked rows and fields with their new values; a bad pick is a message."""
    req, rows, refused = _editable(request_id)
    if refused is not None:
        return refused
    try:
        picks = rectification.picks_from(request.form, request.form.getlist("pick"), rows)
        changes.record_row_corrections(db_session(), req, picks, actor=actor())
    except changes.ChangeInputError as exc:
        db_session().rollback()
        return _page(req, rows, 400, service_error(exc))
    flash(_("rect_editor_saved"), "ok")
    return redirect(url_for("rectification.editor", request_id=request_id))

"""How one column's stored values read to people in the PDF answer: codes by the data map's
labels (``values``), money in cents as "129,00 €" / "€129.00", percentages with "%", and dates
and booleans by :func:`dsr.answers.report.strings.display_value`. The JSON export keeps the stored
values; its columns carry the labels beside them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from dsr.answers.report.strings import display_value, normalise_language

Formatter = Callable[[Any], Any]


def _number(value: Any) -> Decimal | None:
    """A stored number (int, float or numeric text) as a Decimal; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value)) if isinstance(value, int | float | str) else None
    except InvalidOperation:
        return None


def _grouped(amount: Decimal, places: int, lang: str) -> str:
    """``1234.5`` as "1.234,50" (de) or "1,234.50" (en), without a sign."""
    text = f"{abs(amount):,.{places}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def money(cents: Any, lang: str) -> Any:
    """Cents as euros in the language's format ("-12,90 €", "-€12.90"); other values as given."""
    number = _number(cents)
    if number is None:
        return display_value(cents, lang)
    sign = "-" if number < 0 else ""
    amount = _grouped(number / 100, 2, lang)
    return f"{sign}{amount} €" if lang == "de" else f"{sign}€{amount}"


def decimal_money(amount: Any, currency: str, lang: str) -> Any:
    """A decimal amount in ``currency`` ("12,90 €", "€12.90"; other currencies by their code:
    "12,90 CHF", "CHF 12.90"); other values as given."""
    number = _number(amount)
    if number is None:
        return display_value(amount, lang)
    sign = "-" if number < 0 else ""
    text = _grouped(number, 2, lang)
    if currency == "EUR":
        return f"{sign}{text} €" if lang == "de" else f"{sign}€{text}"
    return f"{sign}{text} {currency}" if lang == "de" else f"{sign}{currency} {text}"


def percent(value: Any, lang: str) -> Any:
    """A percentage ("19 %" in German, "19%" in English), trailing zeros dropped."""
    number = _number(value)
    if number is None:
        return display_value(value, lang)
    places = max(0, -number.normalize().as_tuple().exponent)  # type: ignore[operator]
    text = ("-" if number < 0 else "") + _grouped(number, min(places, 2), lang)
    return f"{text} %" if lang == "de" else f"{text}%"


def coded(labels: Mapping[str, str], lang: str) -> Formatter:
    """A code by its label; a comma-separated list of codes by their labels; an unknown code
    as stored."""

    def show(value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return display_value(value, lang)
        key = str(value)
        if key in labels:
            return labels[key]
        parts = key.split(",")
        if len(parts) > 1 and all(p.strip() in labels for p in parts):
            return ", ".join(labels[p.strip()] for p in parts)
        return display_value(value, lang)

    return show


def formatter(column: Mapping[str, Any], language: str) -> Formatter:
    """The function that shows a value of ``column`` (a payload column: ``value_labels``,
    ``unit``)."""
    lang = normalise_language(language)
    if labels := column.get("value_labels"):
        return coded(labels, lang)
    if column.get("unit") == "cents":
        return lambda value: money(value, lang)
    if column.get("unit") == "money":
        currency = str(column.get("currency") or "EUR")
        return lambda value: decimal_money(value, currency, lang)
    if column.get("unit") == "percent":
        return lambda value: percent(value, lang)
    return lambda value: display_value(value, lang)

"""Postcodes per country: the form each country's post office prints, for the countries the
public form offers for a corrected address (EU, EEA, Switzerland, United Kingdom).

A table of patterns rather than a library: the address libraries on PyPI either parse free
text with a statistical model (libpostal, hundreds of MB) or call a paid service; what the form
needs is only "could this be a postcode of that country". Sources: the Universal Postal
Union's addressing guides (S42) and the national post offices.
"""

from __future__ import annotations

import re

#: Country (ISO 3166-1 alpha-2) -> the postcode as written, with the optional country prefix
#: some countries print (``L-1234``, ``LT-12345``) and the optional space where one is usual.
PATTERNS: dict[str, str] = {
    "AT": r"\d{4}", "BE": r"\d{4}", "BG": r"\d{4}", "CH": r"\d{4}", "CY": r"\d{4}",
    "CZ": r"\d{3} ?\d{2}", "DE": r"\d{5}", "DK": r"(DK-)?\d{4}", "EE": r"\d{5}", "ES": r"\d{5}",
    "FI": r"(FI-)?\d{5}", "FR": r"\d{5}",
    "GB": r"(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})",
    "GR": r"\d{3} ?\d{2}", "HR": r"(HR-)?\d{5}", "HU": r"\d{4}",
    "IE": r"([AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}",
    "IS": r"\d{3}", "IT": r"\d{5}", "LI": r"94(8[5-9]|9[0-8])", "LT": r"(LT-)?\d{5}",
    "LU": r"(L-)?\d{4}", "LV": r"(LV-)?\d{4}", "MT": r"[A-Z]{3} ?\d{4}",
    "NL": r"[1-9]\d{3} ?[A-Z]{2}", "NO": r"\d{4}", "PL": r"\d{2}-\d{3}", "PT": r"\d{4}-\d{3}",
    "RO": r"\d{6}", "SE": r"(SE-)?\d{3} ?\d{2}", "SI": r"(SI-)?\d{4}", "SK": r"\d{3} ?\d{2}",
}
_COMPILED = {country: re.compile(rf"^{pattern}$") for country, pattern in PATTERNS.items()}

#: An example per country for the error message ("e.g. 1234 AB").
EXAMPLES: dict[str, str] = {
    "AT": "1010", "BE": "1000", "BG": "1000", "CH": "8001", "CY": "1010", "CZ": "110 00",
    "DE": "80339", "DK": "1050", "EE": "10111", "ES": "28001", "FI": "00100", "FR": "75001",
    "GB": "SW1A 1AA", "GR": "105 57", "HR": "10000", "HU": "1051", "IE": "D02 X285",
    "IS": "101", "IT": "00118", "LI": "9490", "LT": "01100", "LU": "1009", "LV": "1050",
    "MT": "VLT 1117", "NL": "1234 AB", "NO": "0150", "PL": "00-950", "PT": "1000-001",
    "RO": "010011", "SE": "111 22", "SI": "1000", "SK": "811 01",
}


def normalise(postcode: str) -> str:
    """Upper case, one space at most between parts, no space around a dash."""
    text = " ".join(postcode.upper().split())
    return text.replace(" -", "-").replace("- ", "-")


def valid(postcode: str, country: str | None) -> bool:
    """Whether ``postcode`` is written as ``country``'s post prints it; with no (or an unknown)
    country, whether it is a postcode of any country in the table (the form does not know the
    country of the address on file)."""
    text = normalise(postcode)
    pattern = _COMPILED.get((country or "").upper())
    if pattern is not None:
        return pattern.match(text) is not None
    return any(p.match(text) for p in _COMPILED.values())

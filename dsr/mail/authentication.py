"""Whether the receiving server authenticated the sender: a From header is a claim, never proof.

Only ``Authentication-Results`` headers of our own receiving server count (its authserv-id in
``[mail_ingest] trusted_authserv_ids``, the topmost run of them); without that list no header
counts and mail is unauthenticated. The verdict feeds the identity policy through
``Request.channel_authenticated``:

- ``False`` when SPF, DKIM or DMARC failed, when the message was forwarded (the original
  sender cannot be checked), or when the text names a different address than the From;
- ``True`` only when DMARC passed, or DKIM passed for the From's domain;
- ``None`` when the server said nothing.
"""

from __future__ import annotations

import re

from dsr.mail.parse import ParsedMail

_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_DKIM_DOMAIN = re.compile(r"dkim\s*=\s*pass\b[^;]*?header\.(?:d|i)\s*=\s*@?([^\s;]+)",
                          re.IGNORECASE)
_FAILED = {"fail", "softfail", "permerror"}
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _trusted(mail: ParsedMail, trusted_ids: list[str]) -> list[str]:
    """The headers our own server added: the topmost run of headers with a trusted authserv-id
    (a receiving server adds its header above everything it received). With no trusted id
    configured there are none: any header may have been written by the sender."""
    if not trusted_ids:
        return []
    wanted = {t.lower() for t in trusted_ids}
    ours = []
    for header in mail.all_headers("authentication-results"):
        authserv = (header.split(";", 1)[0].strip().split() or [""])[0].lower()
        if authserv not in wanted:
            break  # below this, headers came with the message
        ours.append(header)
    return ours


def verdicts(mail: ParsedMail, trusted_ids: list[str]) -> dict[str, str]:
    """{"spf": ..., "dkim": ..., "dmarc": ..., "dkim_domain": ...} from the trusted headers."""
    found: dict[str, str] = {}
    for header in _trusted(mail, trusted_ids):
        for method, result in _RESULT.findall(header):
            method, result = method.lower(), result.lower()
            if found.get(method) != "pass" or result in _FAILED:
                found[method] = result
        domain = _DKIM_DOMAIN.search(header)
        if domain:
            found["dkim_domain"] = domain.group(1).lower()
    return found


def _aligned(dkim_domain: str, from_address: str) -> bool:
    from_domain = from_address.rsplit("@", 1)[-1].lower()
    return bool(dkim_domain) and (from_domain == dkim_domain
                                  or from_domain.endswith("." + dkim_domain))


def sender_mismatch(mail: ParsedMail, own_domains: set[str]) -> bool:
    """The new text names e-mail addresses, none of which is the From (ours excluded)."""
    named = {a.lower().rstrip(".") for a in _ADDRESS.findall(mail.text)}
    named = {a for a in named if a.rsplit("@", 1)[-1] not in own_domains}
    return bool(named) and mail.from_address not in named


def channel_authenticated(mail: ParsedMail, trusted_ids: list[str],
                          own_domains: set[str]) -> tuple[bool | None, dict[str, str]]:
    """The verdict for the identity policy and the server's results it rests on."""
    results = verdicts(mail, trusted_ids)
    if mail.forwarded or sender_mismatch(mail, own_domains):
        return False, results
    if any(results.get(m) in _FAILED for m in ("spf", "dkim", "dmarc")):
        return False, results
    if results.get("dmarc") == "pass" or (
            results.get("dkim") == "pass" and _aligned(results.get("dkim_domain", ""),
                                                       mail.from_address)):
        return True, results
    return (None if not results else False), results

"""Recognition: types, language, confidence and action from what customers actually write, and
`dsr mail classify` printing one JSON line per file while storing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsr.cli import main
from dsr.mail.parse import parse_message
from dsr.mail.recognition import classify, classify_raw, classify_text, detect_language
from tests.support.mail_samples import mail, pdf_with_text, pdf_without_text


@pytest.mark.parametrize(("subject", "body", "primary", "language"), [
    ("Sperrung", "Ich bitte um Sperrung meiner Adresse für Werbung, ich will keine Kataloge mehr.",
     "objection", "de"),
    ("", "Bitte den Newsletter abbestellen. Danke.", "consent_withdrawal", "de"),
    ("Unsubscribe", "Please unsubscribe me from your newsletter.", "consent_withdrawal", "en"),
    ("Meine Daten", "Welche Daten haben Sie über mich gespeichert? Ich bitte um Auskunft.",
     "access", "de"),
    ("Konto", "Bitte löschen Sie mein Konto und alle meine Daten.", "erasure", "de"),
    ("Umzug", "Ich bin umgezogen, meine neue Adresse ist Hauptstr. 5, 80331 München. Bitte korrigieren.",
     "rectification", "de"),
    ("Data request", "Under Article 15 GDPR I request access to my personal data.", "access", "en"),
    ("", "Please delete my account and erase all personal data you hold about me.", "erasure", "en"),
    ("Bonität", "Ich möchte die automatisierte Entscheidung Ihrer Bonitätsprüfung anfechten und "
     "verlange eine Überprüfung durch einen Menschen.", "contest_decision", "de"),
    ("", "Stop sending me marketing, I object to direct marketing.", "objection", "en"),
    ("Datenübertragung", "Bitte senden Sie mir meine Daten maschinenlesbar (Datenübertragbarkeit).",
     "portability", "de"),
])
def test_customer_wording_gives_the_right_primary_type_and_language(
        subject: str, body: str, primary: str, language: str) -> None:
    rec = classify_text(subject, body)
    assert rec.action == "request"
    assert rec.types[0] == primary
    assert rec.language == language
    assert rec.words and 0 < rec.confidence <= 1


def test_combined_request_keeps_every_type_primary_first() -> None:
    rec = classify_text("Löschung", "Ich verlange die Löschung meiner Daten nach Art. 17 DSGVO. "
                        "Außerdem widerspreche ich jeder Werbung nach Art. 21 DSGVO.")
    assert rec.types[0] == "erasure" and "objection" in rec.types


def test_a_passing_mention_is_not_a_second_type() -> None:
    rec = classify_text("", "Ich widerspreche der Direktwerbung nach Art. 21 DSGVO. Teilen Sie mir "
                        "mit, falls das eine Löschung meines Kontos zur Folge hätte.")
    assert rec.types == ["objection"]


def test_unclear_mail_goes_to_triage_never_dropped() -> None:
    rec = classify_text("Lieferung", "Wann kommt meine Bestellung 4711?")
    assert rec.action == "triage" and rec.reason == "question"


def test_reminder_without_reference_is_recognised() -> None:
    rec = classify_text("Meine Anfrage", "Am 2. Januar habe ich Auskunft verlangt. Ich habe bisher "
                        "keine Antwort erhalten, die Frist von einem Monat ist überschritten.")
    assert rec.action == "reminder" and "bisher keine Antwort" in " ".join(rec.words)


def test_language_detection() -> None:
    assert detect_language("Sehr geehrte Damen und Herren, bitte löschen Sie meine Daten.") == "de"
    assert detect_language("Dear Sir or Madam, please delete my data.") == "en"


def test_reply_with_reference_or_our_message_id() -> None:
    by_subject = parse_message(bytes(mail("Anbei mein Ausweis.", subject="Re: Ihre Anfrage [DSR-ABCDEFG]")))
    assert classify(by_subject).action == "reply"
    by_header = parse_message(bytes(mail("Anbei mein Ausweis.", subject="Re: Ihre Anfrage",
                                         headers={"In-Reply-To": "<ours@pso.example.org>"})))
    assert classify(by_header, is_ours=lambda refs, ids: "<ours@pso.example.org>" in ids).action == "reply"
    assert classify(by_header, is_ours=lambda refs, ids: False).action == "triage"


def test_bounce_auto_reply_and_spam_go_to_triage() -> None:
    bounce = mail("This is the mail system at host mx.example.org. I'm sorry to have to inform you...",
                  subject="Undelivered Mail Returned to Sender",
                  sender="MAILER-DAEMON@mx.example.org")
    auto = mail("Ich bin bis 10. März nicht im Büro. Ihre Anfrage [DSR-ABCDEFG] wegen Auskunft ...",
                subject="Automatische Antwort: Ihre Datenschutz-Anfrage [DSR-ABCDEFG]",
                headers={"Auto-Submitted": "auto-replied"})
    spam = mail("You have won! Claim your bitcoin casino bonus now.", subject="Congratulations",
                sender="promo@spam.example.net")
    flagged = mail("Bitte löschen Sie meine Daten.", headers={"X-Spam-Flag": "YES"})
    assert [classify_raw(bytes(m)).reason for m in (bounce, auto, spam, flagged)] == \
        ["bounce", "auto_reply", "spam", "spam"]
    assert all(classify_raw(bytes(m)).action == "triage" for m in (bounce, auto, spam, flagged))


def test_complaint_to_an_authority_is_not_a_request() -> None:
    rec = classify_text("", "Hiermit möchte ich Beschwerde nach Art. 77 DSGVO einreichen. Der "
                        "Verantwortliche hat meine Anfrage nach Art. 15 DSGVO nicht beantwortet.")
    assert rec.action == "triage" and rec.reason == "complaint"


def test_quoted_original_and_signature_do_not_decide() -> None:
    body = ("Bitte den Newsletter abbestellen.\n\n-- \nJürgen Weiß\nAuskunft Löschung Berichtigung\n\n"
            "Am 2. März 2026 schrieb Datenschutz <datenschutz@pso.example.org>:\n"
            "> Ihre Anfrage auf Auskunft und Löschung ist eingegangen.\n")
    parsed = parse_message(bytes(mail(body)))
    assert "Auskunft" not in parsed.text and "abbestellen" in parsed.text
    assert classify(parsed).types == ["consent_withdrawal"]


def test_html_only_base64_and_windows_1252_labelled_latin1() -> None:
    html = mail(html="<html><body><p>Bitte <b>l&ouml;schen</b> Sie mein Konto.</p>"
                "<style>p{color:red}</style></body></html>", cte="base64")
    assert classify_raw(bytes(html)).types == ["erasure"]
    raw = (b"From: a@example.org\r\nSubject: Werbung\r\nMessage-ID: <w@example.org>\r\n"
           b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Ich m=F6chte keine Werbung mehr =96 bitte sperren. Gr=FC=DFe\r\n")
    parsed = parse_message(raw)
    assert "möchte keine Werbung mehr – bitte" in parsed.text
    assert classify(parsed).types[0] == "objection"


def test_forwarded_message_keeps_the_original_and_its_sender() -> None:
    body = ("Zur Bearbeitung weitergeleitet.\n\n---------- Forwarded message ---------\n"
            "From: Renate Köhler <renate.koehler@example.com>\nDate: Mon, 2 Mar 2026\n"
            "Subject: Daten\n\nIch bitte um Auskunft über meine gespeicherten Daten nach Art. 15 DSGVO.\n")
    parsed = parse_message(bytes(mail(body, sender="info-team@pso.example.org")))
    assert parsed.forwarded and parsed.original_from == ("Renate Köhler", "renate.koehler@example.com")
    assert classify(parsed).types == ["access"]
    inner = mail("Please delete all my data under Article 17 GDPR.", sender="x@example.net",
                 message_id="<inner@example.net>")
    outer = mail("FYI", sender="info-team@pso.example.org")
    outer.add_attachment(inner)
    parsed = parse_message(bytes(outer))
    assert parsed.original_from == ("", "x@example.net") and classify(parsed).types[0] == "erasure"


def test_fax_pdf_with_and_without_text(tmp_path: Path) -> None:
    letter = pdf_with_text(["Sehr geehrte Damen und Herren,", "bitte löschen Sie alle meine Daten",
                            "nach Art. 17 DSGVO.", "Mit freundlichen Grüßen"])
    with_text = mail("", subject="Fax von +49 89 1234567", sender="fax@gateway.example.org",
                     attachments=[("fax.pdf", "application/pdf", letter)])
    scan = mail("", subject="Fax von +49 89 1234567", sender="fax@gateway.example.org",
                attachments=[("fax.pdf", "application/pdf", pdf_without_text())])
    assert classify_raw(bytes(with_text)).types == ["erasure"]
    rec = classify_raw(bytes(scan))
    assert (rec.action, rec.reason) == ("triage", "fax_without_text")


def test_cli_classify_prints_one_json_line_per_file_and_stores_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = tmp_path / "a.eml"
    first.write_bytes(bytes(mail("Bitte löschen Sie meine Daten, außerdem keine Werbung mehr.",
                                 subject="Löschung")))
    second = tmp_path / "b.eml"
    second.write_bytes(bytes(mail("Please tell me what personal data you hold about me.",
                                  subject="Data access request")))
    result = CliRunner().invoke(main, ["mail", "classify", str(first), str(second)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert [x["types"][0] for x in lines] == ["erasure", "access"]
    assert [x["language"] for x in lines] == ["de", "en"]
    assert all(x["action"] == "request" and x["words"] and x["confidence"] > 0 for x in lines)
    assert lines[0]["types"][1:] == ["objection"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.eml", "b.eml"]  # nothing stored
    missing = CliRunner().invoke(main, ["mail", "classify", str(tmp_path / "nope.eml")])
    assert missing.exit_code == 1 and '"error"' in missing.output


_LETTERS = sorted((Path(__file__).resolve().parents[4] / "shared" / "corpus" / "letters")
                  .rglob("*.txt"))
#: Texts where lower-casing is not what case-insensitive matching does, or that hit many rules.
_TRICKY = [
    ("ERAſURE", "Pleaſe eraſe my data. I objeċt. Dıe Löſchung nach ART. 17 DSGVO!"),
    ("İ", "İch bitte um Auskunft nach Art. 15 DSGVO, İhre Daten, Kelvin K, µ, σ ς Σ."),
    ("WIDERRUF", "ICH WIDERRUFE MEINE EINWILLIGUNG UND BITTE UM LÖSCHUNG NACH § 21 DSG-EKD."),
    ("Re: Mahnung", "Ich hatte ich Ihnen am 3. März eine Anfrage nach Art. 15 gestellt, bisher "
     "keine Antwort erhalten; die Frist ist verstrichen. Beschwerde nach Art. 77 DSGVO."),
    ("", "casino BITCOIN you have won! Click here to claim, 100 % free, unsubscribe"),
]


def test_the_quick_word_test_skips_no_rule_that_would_match(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rule is scanned only where the words every match of it contains occur; the
    verdicts are those of scanning every rule, for the corpus letters and odd casing alike."""
    from dsr.mail import recognition_rules

    texts = _TRICKY + [(p.read_text(errors="replace").strip().splitlines()[0][:120],
                        p.read_text(errors="replace")) for p in _LETTERS if "LICENSE" not in p.name]
    quick = [classify_text(subject, body).as_dict() for subject, body in texts]
    monkeypatch.setattr(recognition_rules.Rule, "may_match", lambda self, lower: True)
    assert quick == [classify_text(subject, body).as_dict() for subject, body in texts]
    assert any(rec["types"] for rec in quick[:len(_TRICKY)])


def test_needed_literals_name_only_what_every_match_contains() -> None:
    import re

    from dsr.mail.recognition_rules import folded, needed_literals

    def needs(pattern: str) -> list[list[str]]:
        return [sorted(s) for s in needed_literals(re.compile(pattern, re.IGNORECASE))]

    assert needs(r"\bLösch(?:en|e|t)\b") == [["lösch"], ["e", "en", "t"]]
    assert needs(r"Art(?:ikel)?\s*15") == [["art"], ["15"]]
    assert needs(r"(?:bisher|noch) keine Antwort|keine Reaktion") == [[" keine antwort",
                                                                       "keine reaktion"]]
    assert needs(r"[a-z]+\s*(?:x)?") == []  # nothing certain: every text is scanned
    assert needs(r"(?-i:DSAR)") == []
    assert folded("Löschung ÄÖÜ") == "löschung äöü"
    assert folded("eraſe") is None and folded("İch") is None


def test_without_the_re_modules_parser_every_rule_scans_every_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick test reads patterns with a private part of ``re``; on a Python without it,
    no rule is skipped and no text is folded, so the verdicts stay those of a full scan."""
    import re

    from dsr.mail import recognition_rules

    monkeypatch.setattr(recognition_rules, "_parser", None)
    monkeypatch.setattr(recognition_rules, "_EXTRA_FOLDS", None)
    assert recognition_rules.needed_literals(re.compile("Löschung", re.IGNORECASE)) == ()
    assert recognition_rules.folded("Bitte löschen Sie meine Daten") is None
    assert classify_text("Löschung", "Bitte löschen Sie meine Daten.").types == ["erasure"]

"""The recognition rules as data: pattern, what it points to, how much it counts.

Every rule is a regular expression (case-insensitive) on the subject and the new text of a
message. The words a rule matched are what the coordinator sees as the reason for a type. The
weights follow one scale: 4 = names the right unmistakably ("Werbewiderspruch", "unsubscribe"),
3 = the article or the right's name, 2 = a verb or noun that usually means it, 1 = a hint.
Tuned on the datenanfragen-data templates only (bench/classify_corpus.py); the other letters of
the corpus are held out. Rule order matters only for exact ties (the type listed first wins):
a bare "Sperrung" scores the same for objection and restriction, so it is objection, with a
confidence low enough that a coordinator confirms it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ART = r"(?:Art(?:ikel|icle|\.)?\s*)"

# The quick test reads patterns with the re module's own parser, which is not a public API:
# on a Python whose re lacks it, every rule scans every text (the same verdicts, slower).
try:
    from re import _casefix, _parser  # type: ignore[attr-defined]

    _LITERAL, _SUBPATTERN, _BRANCH = _parser.LITERAL, _parser.SUBPATTERN, _parser.BRANCH
    _REPEATS = (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT)
    #: Characters that a case-insensitive pattern matches beyond what ``str.lower``
    #: equates (``s`` matches ``ſ``, ``i`` matches ``ı``, Greek and Cyrillic variants).
    _EXTRA_FOLDS: re.Pattern[str] | None = re.compile("[" + "".join(
        re.escape(chr(c)) for c in sorted(_casefix._EXTRA_CASES) if c > 127) + "]")
except (ImportError, AttributeError):  # pragma: no cover - a Python without them
    _parser, _EXTRA_FOLDS = None, None


def _needed(items: Any) -> list[frozenset[str]]:
    """What any match of a parsed pattern contains: a list of sets, each naming (lower-case)
    literals of which at least one occurs in the matched text. Only what is certain is said:
    an optional part, a character class or a lookaround adds nothing."""
    needs: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            needs.append(frozenset({"".join(run).lower()}))
            run.clear()

    for op, av in items:
        if op is _LITERAL:
            run.append(chr(av))
            continue
        close()
        if op is _SUBPATTERN:
            _, add, delete, sub = av
            if not add and not delete:  # the same flags inside
                needs.extend(_needed(sub))
        elif op in _REPEATS and av[0] >= 1:
            needs.extend(_needed(av[2]))
        elif op is _BRANCH:
            each = [_needed(alt) for alt in av[1]]
            if all(each):
                needs.append(frozenset().union(*(max(alt, key=lambda s: min(map(len, s)))
                                                 for alt in each)))
    close()
    return needs


def needed_literals(pattern: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """For a case-insensitive ``pattern``: sets of lower-case literals, one of each set being in
    the lower-cased text wherever the pattern can match (a quick test before the scan)."""
    if _parser is None or pattern.flags & ~(re.IGNORECASE | re.UNICODE):
        return ()
    found = _needed(list(_parser.parse(pattern.pattern, pattern.flags)))
    return tuple(dict.fromkeys(s for s in found if all(s)))


def folded(text: str) -> str | None:
    """``text`` lower-cased for :meth:`Rule.may_match`, or ``None`` when lower-casing does not
    stand for case-insensitive matching there (a character that folds specially, or one
    whose lower case is longer): then every rule scans the text."""
    if _EXTRA_FOLDS is None:
        return None
    lower = text.lower()
    if len(lower) != len(text) or (not text.isascii() and _EXTRA_FOLDS.search(text)):
        return None
    return lower


@dataclass(frozen=True)
class Rule:
    target: str
    weight: int
    pattern: re.Pattern[str]
    #: Derived from the pattern: see :func:`needed_literals`.
    needs: tuple[frozenset[str], ...] = field(default=(), compare=False)

    def may_match(self, lower: str | None) -> bool:
        """False only when the pattern cannot match the text ``lower`` was folded from."""
        if lower is None:
            return True
        for words in self.needs:  # loops, not all()/any(): this runs for every rule and text
            for word in words:
                if word in lower:
                    break
            else:
                return False
        return True


def _rule(target: str, weight: int, pattern: str) -> Rule:
    compiled = re.compile(pattern, re.IGNORECASE)
    return Rule(target, weight, compiled, needed_literals(compiled))


def _rules(target: str, *items: tuple[int, str]) -> list[Rule]:
    return [_rule(target, w, p) for w, p in items]


TYPE_RULES: list[Rule] = [
    *_rules("access",
            (3, _ART + r"15\b(?!\s*(?:Abs\.?\s*)?\(?4)"), (2, r"\bAuskunft\b"),
            (4, r"\b(?:Daten|Selbst)auskunft"),
            (4, r"Auskunft (?:über|zu) (?:(?:meine|die|alle|sämtliche)\s)?(?:\w+\s)?Daten"),
            (3, r"welche (?:personenbezogenen )?Daten .{0,60}(?:gespeichert|speichern|verarbeite|haben)"),
            (2, r"Kopie (?:meiner|der|aller|sämtlicher) .{0,40}Daten"),
            (3, r"Zugang zu (?:meinen )?(?:personenbezogenen )?Daten"),
            (3, r"§\s*19\b[^\n]{0,20}DSG-EKD|§\s*17\b[^\n]{0,20}KDG"),
            (4, r"subject access request|\bDSAR\b"), (3, r"\baccess request\b"),
            (3, r"right (?:of|to) access"), (3, r"request(?:ing)? access"),
            (3, r"access to (?:my |the )?personal (?:data|information)"),
            (2, r"copy of (?:all )?(?:my|the) personal data"),
            (3, r"what (?:personal )?(?:data|information) (?:you|do you) (?:hold|store|have|process)")),
    *_rules("portability",
            (2, _ART + r"20\b"), (2, r"maschinenlesbar"), (3, r"Daten(?:übertragbarkeit|portabilität)"),
            (2, r"machine[- ]readable"), (3, r"\bportability\b"), (1, r"\b(?:JSON|CSV)\b"),
            (2, r"§\s*24\b[^\n]{0,20}DSG-EKD|§\s*22\b[^\n]{0,20}KDG")),
    *_rules("rectification",
            (3, _ART + r"16\b"), (3, r"Berichtigung"), (2, r"berichtigen|korrigieren|Korrektur"),
            (1, r"Vervollständigung|unrichtig"), (2, r"(?:ist|sind) (?:falsch|nicht (?:mehr )?korrekt)"),
            (2, r"(?:neue|geänderte) (?:Anschrift|Adresse)|umgezogen|Namen (?:hat sich )?geändert"),
            (3, r"§\s*20\b[^\n]{0,20}DSG-EKD|§\s*18\b[^\n]{0,20}KDG"),
            (3, r"rectif(?:y|ication)"), (2, r"\bcorrect (?:my|the|this)\b"),
            (1, r"\binaccurate\b|\bincorrect\b|\bcompletion\b"),
            (2, r"update my (?:address|name|details)|(?:my )?new address")),
    *_rules("erasure",
            (3, _ART + r"17\b"), (3, r"Löschung"), (2, r"\blösch(?:en|e|t)\b"),
            (2, r"Konto (?:auflösen|schließen|kündigen|entfernen)|Account löschen"),
            (3, r"Recht auf Vergessenwerden"),
            (3, r"lösch\w* Sie (?:bitte )?(?:mein|meine|alle|sämtliche)"),
            (3, r"§\s*21\b[^\n]{0,20}DSG-EKD|§\s*19\b[^\n]{0,20}KDG"),
            (3, r"\berasure\b"), (2, r"\berase\b"), (2, r"\bdelet(?:e|ion)\b"),
            (3, r"right to be forgotten"), (2, r"close my account|remove my (?:personal )?data")),
    *_rules("objection",
            (3, _ART + r"21\b"), (2, r"\bWiderspruch\b"), (3, r"widerspreche"),
            (4, r"Werbewiderspruch"), (2, r"Direktwerbung"), (1, r"\bWerbung\b"),
            (3, r"keine (?:\w+ )?(?:Werbung|Werbepost|Kataloge|Prospekte)"),
            (3, r"Sperr(?:ung|en)\b.{0,60}Werb|Werb.{0,60}\bsperr"),
            # Customers' "Sperrung" often means "no more advertising" (as often as Art. 18):
            (1, r"\bSperr(?:ung|en)\b"),
            (1, r"Marktforschung"),
            (3, r"§\s*25\b[^\n]{0,20}DSG-EKD|§\s*23\b[^\n]{0,20}KDG"),
            (2, r"\bobject(?:ion)?\b"), (3, r"\bI object\b"), (2, r"direct marketing"),
            (3, r"stop sending (?:me )?(?:any )?(?:advertising|marketing|catalogues|offers)"),
            (3, r"no (?:more|further) (?:advertising|marketing)"), (2, r"\bopt[- ]out\b")),
    *_rules("restriction",
            (3, _ART + r"18\b"), (3, r"Einschränkung der Verarbeitung"), (2, r"einschränken|einzuschränken"),
            (1, r"\bSperr(?:ung|en)\b"),
            (3, r"§\s*22\b[^\n]{0,20}DSG-EKD|§\s*20\b[^\n]{0,20}KDG"),
            (3, r"restriction of (?:the )?processing"), (3, r"restrict (?:the )?processing")),
    *_rules("consent_withdrawal",
            (4, r"Einwilligung.{0,160}widerruf|widerrufe.{0,60}Einwilligung"),
            (4, r"Newsletter.{0,40}(?:abbestell|abmeld|austrag|kündig)|(?:abbestell|abmeld)\w*.{0,30}Newsletter"),
            (3, r"\babbestellen\b"), (3, r"Art\.?\s*7\s*(?:Abs\.?\s*3|\(3\))"),
            (4, r"withdraw(?:ing)? (?:my |any |this )?consent|consent.{0,160}\bwithdraw"),
            (3, r"revok(?:e|ing) (?:my )?consent"), (4, r"\bunsubscribe\b"),
            (2, r"Article\s*7\s*\(3\)")),
    *_rules("contest_decision",
            (3, _ART + r"22\s*(?:Abs\.?\s*3|\(3\))"),
            (4, r"automatisierte\w* Entscheidung.{0,80}(?:anfecht|überprüf|menschlich|Person)"),
            (3, r"Bonitätsprüfung.{0,60}(?:anfecht|überprüf|Mensch)|(?:anfecht|überprüf).{0,40}Bonitätsprüfung"),
            (3, r"Eingreifen(?:s)? einer Person|Standpunkt darzulegen"),
            (4, r"contest (?:the|this|an|your) (?:automated )?(?:decision|credit)"),
            (3, r"human intervention"), (2, r"express my point of view")),
]

#: Not a data-subject request: a reminder about one, a complaint to an authority, spam.
OTHER_RULES: list[Rule] = [
    *_rules("reminder",
            (4, r"\bMahnung\b"), (2, r"erneut an Sie|nochmals an Sie"),
            (3, r"(?:bisher|noch) keine (?:Antwort|Reaktion|Rückmeldung)|keine Antwort erhalten"),
            (3, r"Frist.{0,80}(?:überschritten|verstrichen|abgelaufen)"),
            (3, r"noch nicht beantwortet|nicht (?:innerhalb|fristgerecht) .{0,40}beantwortet"),
            (2, r"\bErinnerung\b"),
            (3, r"hatte ich .{0,60}(?:Anfrage|Antrag) .{0,60}gestellt"),
            (4, r"\badmonition\b"), (2, r"\breminder\b"), (2, r"contacting you again"),
            (3, r"not (?:yet )?received (?:an?|any) (?:answer|response|reply)"),
            (3, r"(?:period|deadline|month).{0,80}(?:exceeded|expired|passed|elapsed)"),
            (3, r"I sent you a request|I (?:have )?(?:made|submitted) a request .{0,40}on\b"),
            (3, r"(?:have|has) not (?:yet )?(?:answered|responded|replied)")),
    *_rules("complaint",
            (4, _ART + r"77\b"), (4, r"§\s*46\b[^\n]{0,20}DSG-EKD|§\s*48\b[^\n]{0,20}KDG"),
            (3, r"mit dieser Beschwerde|Beschwerde (?:nach|gemäß|einreichen)\b(?!.{0,40}Aufsichtsbehörde)"),
            (2, r"an folgenden Verantwortlichen gewandt|den Verantwortlichen zur"),
            (3, r"this complaint|lodge a complaint (?:under|according|pursuant)"),
            (2, r"the following controller|the controller to (?:comply|fulfil)")),
    *_rules("spam",
            (4, r"\bviagra\b|\bcasino\b|\blotter(?:y|ie)\b|\bcrypto\w*\b|\bbitcoin\b"),
            (3, r"you have won|Sie haben gewonnen|Gewinnspiel.{0,30}gewonnen|\bSEO\b|backlinks"),
            (3, r"Kredit ohne Schufa|click here to claim|limited time offer|100\s?% free")),
]

#: Words that make a text about personal data at all (raise the top type by one).
CONTEXT = re.compile(r"DSGVO|GDPR|\bDS-GVO\b|Datenschutz|data protection|personenbezogen\w*|"
                     r"personal data|\bBDSG\b|DSG-EKD|\bKDG\b|\bmeine\w* (?:\w+ )?Daten\b|"
                     r"\bmy (?:\w+ )?data\b|\bKundenkonto\b", re.IGNORECASE)

DE_WORDS = frozenset(
    ["und", "der", "die", "das", "ich", "sie", "nicht", "mit", "bitte", "meine", "meiner", "mich", "mir", "ihre", "ihnen", "ist", "sind", "für", "von", "zu", "auf", "ein", "eine", "einen", "dem", "den", "des", "wir", "uns", "hiermit", "sehr", "geehrte", "damen", "herren", "grüßen", "freundlichen", "daten", "über", "oder", "auch", "wie", "dass", "werden", "wurde", "bei", "nach"])
EN_WORDS = frozenset(
    ["the", "and", "i", "you", "not", "with", "please", "my", "me", "your", "is", "are", "for", "of", "to", "on", "a", "an", "we", "us", "hereby", "dear", "sincerely", "regards", "data", "about", "or", "also", "how", "that", "be", "was", "at", "after", "this", "have", "from", "which"])

"""Norms per language (dsr.norms, issue 14 "Art. 15 per subject"): a stored norm is its German
citation and reads "Art. 15 DSGVO" in a German answer, "Art. 15 GDPR" in an English one; older
stored bilingual norms ("Art. 15 DSGVO / GDPR") read in one language too; a register text per
language is quoted as written; the norms the service proposes are no bilingual strings."""

from __future__ import annotations

import pytest

from connectors.changes import LegalHold, RetentionRule
from dsr.changes.confirmations import PURPOSE_NORM
from dsr.norms import cite, norm_in, rule_norm
from dsr.requests.operations import NORMS


@pytest.mark.parametrize(("stored", "de", "en"), [
    ("Art. 15 DSGVO", "Art. 15 DSGVO", "Art. 15 GDPR"),
    ("Art. 15 DSGVO / GDPR", "Art. 15 DSGVO", "Art. 15 GDPR"),
    ("Art. 7(3) DSGVO / GDPR", "Art. 7 Abs. 3 DSGVO", "Art. 7(3) GDPR"),
    ("Art. 22 Abs. 3 DSGVO", "Art. 22 Abs. 3 DSGVO", "Art. 22(3) GDPR"),
    ("Art. 6 Abs. 1 lit. b DSGVO", "Art. 6 Abs. 1 lit. b DSGVO", "Art. 6(1)(b) GDPR"),
    ("Art. 6 Abs. 1 lit. b, f DSGVO; §31 Abs. 2 BDSG", "Art. 6 Abs. 1 lit. b, f DSGVO; §31 Abs. 2 BDSG",
     "Art. 6(1)(b), (f) GDPR; §31(2) BDSG"),
    ("Art. 7 Abs. 1, Art. 17 Abs. 3 lit. e DSGVO; §§195, 199 BGB",
     "Art. 7 Abs. 1, Art. 17 Abs. 3 lit. e DSGVO; §§195, 199 BGB",
     "Art. 7(1), Art. 17(3)(e) GDPR; §§195, 199 BGB"),
    ("§147 Abs. 1 Nr. 4, Abs. 3 AO", "§147 Abs. 1 Nr. 4, Abs. 3 AO", "§147(1) no. 4, (3) AO"),
    ("Art. 21 Abs. 2, 3 DSGVO", "Art. 21 Abs. 2, 3 DSGVO", "Art. 21(2), (3) GDPR"),
    ("Art. 6 Abs. 1 lit. c DSGVO i. V. m. Art. 12 DSGVO",
     "Art. 6 Abs. 1 lit. c DSGVO i. V. m. Art. 12 DSGVO",
     "Art. 6(1)(c) GDPR in conjunction with Art. 12 GDPR"),
    ("Art. 12 Abs. 5 DSGVO", "Art. 12 Abs. 5 DSGVO", "Art. 12(5) GDPR"),
    ("Art. 17(3)(e) GDPR", "Art. 17 Abs. 3 lit. e DSGVO", "Art. 17(3)(e) GDPR"),
    ("vertraglich vereinbart", "vertraglich vereinbart", "vertraglich vereinbart"),
])
def test_a_stored_norm_is_cited_in_the_answers_language(stored: str, de: str, en: str) -> None:
    assert cite(stored, "de") == de
    assert cite(stored, "en") == en


def test_the_proposed_norms_are_german_citations_not_bilingual_strings() -> None:
    proposed = [*NORMS.values(), PURPOSE_NORM, LegalHold(1, "open_claim").norm]
    assert proposed and not [n for n in proposed if "GDPR" in n or "/" in n or "(" in n]
    assert cite(NORMS["access"], "de") == "Art. 15 DSGVO"
    assert cite(NORMS["access"], "en") == "Art. 15 GDPR"
    assert cite(NORMS["consent_withdrawal"], "en") == "Art. 7(3) GDPR"
    assert cite(LegalHold(1, "open_claim").norm, "en") == "Art. 17(3)(e) GDPR"


def test_a_register_text_per_language_is_quoted_as_written() -> None:
    both = {"de": "§147 Abs. 1 Nr. 2, 3 AO", "en": "Section 147(1) nos. 2 and 3 AO"}
    assert norm_in(both, "en") == "Section 147(1) nos. 2 and 3 AO"
    assert norm_in(both, "de") == "§147 Abs. 1 Nr. 2, 3 AO"
    assert norm_in("Art. 6 Abs. 1 lit. f DSGVO", "en") == "Art. 6(1)(f) GDPR"
    register = {"retention": {"consent_proof": {"norm": {"de": "Art. 7 Abs. 1 DSGVO",
                                                         "en": "Art. 7(1) GDPR (proof)"}}}}
    assert rule_norm(register, "consent_proof", "Art. 7 Abs. 1 DSGVO", "en") == \
        "Art. 7(1) GDPR (proof)"
    # a rule no longer in the register: the norm stored with the record, cited
    assert rule_norm(register, "gone", "Art. 17 Abs. 1 DSGVO / GDPR", "en") == "Art. 17(1) GDPR"


def test_a_rule_with_a_norm_per_language_carries_the_german_one_into_plans() -> None:
    rule = RetentionRule.from_register("consent_proof", {
        "norm": {"de": "Art. 7 Abs. 1 DSGVO", "en": "Art. 7(1) GDPR"}, "years": 3,
        "starts": "end_of_year"})
    assert rule.norm == "Art. 7 Abs. 1 DSGVO" and rule.blocks
    limit = RetentionRule.from_register("credit_check", {
        "norm": "Art. 5 Abs. 1 lit. e DSGVO", "days": 90, "starts": "creation",
        "storage_limit": True})
    assert not limit.blocks and limit.days == 90

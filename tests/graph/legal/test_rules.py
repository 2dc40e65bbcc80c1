"""Tests of the rules of law: their references, the majority and the deadline."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from maillage.graph.importers.legal import parse_file_name, read_article_text
from maillage.graph.legal.rules import (
    COMMUNITY_INTEREST_DEADLINE_CA,
    RULES,
    add_years,
    community_interest_deadline,
    community_interest_rules,
    find_rule,
    two_thirds_reached,
)

# A run of this many words of an article found in a rule would be copied text. Elided
# articles (l', d') are not counted, so that the names of competences such as "action
# sociale d'intérêt communautaire" stay usable.
COPIED_WORDS = 6


def test_rules_codes_unique():
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes)), codes


def test_rule_reference_and_act_key():
    rule = COMMUNITY_INTEREST_DEADLINE_CA
    assert rule.reference == "CGCT, art. L5216-5, III, version en vigueur au 2016-01-01"
    assert rule.act_key == "cgct-l5216-5-2016-01-01"


def test_find_rule_by_code():
    assert find_rule("cias") is not None
    assert find_rule("unknown") is None


@pytest.mark.parametrize(
    ("share", "reached"),
    [
        (None, None),
        (Decimal("0.6"), False),
        (Decimal("0.66"), False),
        (Decimal("0.6663"), False),
        (Decimal("0.6666"), True),
        (Decimal("0.6667"), True),
        (Decimal("0.8667"), True),
        (Decimal("1"), True),
    ],
)
def test_two_thirds_reached(share, reached):
    assert two_thirds_reached(share) is reached


def test_two_thirds_largest_council_below():
    # 666 votes out of 1000 members is below two thirds and must not pass.
    assert two_thirds_reached(Decimal(666) / Decimal(1000)) is False


def test_community_interest_deadline_two_years():
    assert community_interest_deadline(date(2014, 1, 1)) == date(2016, 1, 1)


def test_add_years_from_29_february():
    assert add_years(date(2016, 2, 29), 2) == date(2018, 2, 28)


def test_community_interest_rules_by_epci_type():
    assert community_interest_rules("CA")[1].article == "L5216-5"
    assert community_interest_rules("CC")[1].article == "L5214-16"
    assert community_interest_rules("METRO") is None
    assert community_interest_rules(None) is None


@pytest.mark.shared_data
def test_rules_cite_versions_of_the_legal_texts(shared_data):
    versions = {
        (v.legal_code, v.article, v.version_date)
        for v in map(
            parse_file_name, (p.name for p in (shared_data / "legal").iterdir())
        )
        if v is not None
    }
    for rule in RULES:
        cited = (rule.legal_code, rule.article, rule.version.isoformat())
        assert cited in versions, rule.code


@pytest.mark.shared_data
def test_rules_do_not_copy_the_article_text(shared_data):
    for rule in RULES:
        text = read_article_text(shared_data / "legal", rule.act_key)
        assert text, rule.code
        article = _words(text)
        statement = _words(rule.statement)
        runs = {
            " ".join(statement[i : i + COPIED_WORDS])
            for i in range(len(statement) - COPIED_WORDS + 1)
        }
        copied = [run for run in runs if run in " ".join(article)]
        assert copied == [], (rule.code, copied)


def _words(text: str) -> list[str]:
    return [word for word in re.findall(r"\w+", text.lower()) if len(word) > 1]

"""The rules of law that legal tracing applies, each with the article version it states.

Every rule names its code, article, paragraph and the date from which the version read
was in force, so that legal staff can open that version and check the rule. A rule's
`statement` gives the rule in maillage's own words, in French. The law's text is never
copied here. `read_article_text` in `maillage.graph.importers.legal` reads the text
itself from the legal texts folder, and `act_key` is the key of the law article version
that the legal texts import creates (`cgct-l5216-5-2016-01-01`).

The functions below are the rules in executable form; `maillage.graph.legal.tracing`
calls them and cites the rule next to each conclusion it draws from one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from maillage.graph.importers.legal import act_key as law_article_key

# A vote share at or above this value reaches the two-thirds majority. A council has
# fewer than 1,000 members, so a share below two thirds is at most 2/3 - 1/3000
# (0.66633...). A share written with four decimals or more, rounded or truncated, is
# therefore 0.6666 or more exactly when it is two thirds or more.
TWO_THIRDS_THRESHOLD = Decimal("0.6666")
# Years that the council has to define the intérêt communautaire after the transfer.
COMMUNITY_INTEREST_YEARS = 2


@dataclass(frozen=True)
class LegalRule:
    """A rule of law, stated in maillage's words, and the article version it comes from.

    `version` is the date from which the version read was in force; `subject` names the
    bodies the rule applies to.
    """

    code: str
    legal_code: str
    article: str
    paragraph: str | None
    version: date
    subject: str
    statement: str

    @property
    def act_key(self) -> str:
        """Return the key of the law article version act: `cgct-l5216-5-2016-01-01`."""
        return law_article_key(self.legal_code, self.article, self.version.isoformat())

    @property
    def reference(self) -> str:
        """Return the citation in French: `CGCT, art. L5216-5, III, version ...`."""
        paragraph = f", {self.paragraph}" if self.paragraph else ""
        return (
            f"{self.legal_code}, art. {self.article}{paragraph}, "
            f"version en vigueur au {self.version.isoformat()}"
        )

    def to_dict(self) -> dict[str, str | None]:
        """Return the rule as a JSON-ready dict."""
        return {
            "code": self.code,
            "legal_code": self.legal_code,
            "article": self.article,
            "paragraph": self.paragraph,
            "version": self.version.isoformat(),
            "act_key": self.act_key,
            "reference": self.reference,
            "subject": self.subject,
            "statement": self.statement,
        }


TRANSFER = LegalRule(
    code="transfer",
    legal_code="CGCT",
    article="L5211-17",
    paragraph=None,
    version=date(2010, 12, 18),
    subject="EPCI et communes membres",
    statement=(
        "Les communes membres d'un EPCI peuvent lui confier, à tout moment, des "
        "compétences que ni la loi ni ses statuts ne lui attribuent déjà. Les "
        "délibérations concordantes du conseil communautaire et des conseils "
        "municipaux décident le transfert ; un arrêté préfectoral le prononce. À la "
        "date d'effet, l'EPCI remplace les communes pour cette compétence. maillage ne "
        "compte donc un transfert que pour les communes membres de l'EPCI à la date "
        "examinée."
    ),
)

CREATION = LegalRule(
    code="creation",
    legal_code="CGCT",
    article="L5211-5",
    paragraph=None,
    version=date(2014, 1, 29),
    subject="EPCI",
    statement=(
        "Un arrêté préfectoral dresse la liste des communes d'un EPCI en projet, puis "
        "le crée une fois l'accord d'une majorité qualifiée des conseils municipaux "
        "obtenu. Les compétences des statuts passent à l'EPCI dès sa création : "
        "l'arrêté de création date l'adhésion des communes fondatrices et le transfert "
        "de ces compétences."
    ),
)

COMMUNITY_INTEREST_MAJORITY_CA = LegalRule(
    code="community-interest-majority-ca",
    legal_code="CGCT",
    article="L5216-5",
    paragraph="III",
    version=date(2016, 1, 1),
    subject="communauté d'agglomération",
    statement=(
        "Lorsqu'une compétence de la communauté d'agglomération ne s'exerce que pour "
        "ce qui est d'intérêt communautaire, c'est le conseil communautaire qui fixe "
        "cet intérêt, par une délibération qui recueille au moins deux tiers des "
        "voix. Une délibération qui en recueille moins ne le définit pas."
    ),
)

COMMUNITY_INTEREST_DEADLINE_CA = LegalRule(
    code="community-interest-deadline-ca",
    legal_code="CGCT",
    article="L5216-5",
    paragraph="III",
    version=date(2016, 1, 1),
    subject="communauté d'agglomération",
    statement=(
        "Le conseil a deux ans, comptés depuis le jour où l'arrêté qui prononce le "
        "transfert prend effet, pour définir l'intérêt communautaire. Si aucune "
        "définition n'est adoptée dans ce délai, la communauté d'agglomération exerce "
        "toute la compétence transférée à partir du lendemain de l'échéance."
    ),
)

COMMUNITY_INTEREST_MAJORITY_CC = LegalRule(
    code="community-interest-majority-cc",
    legal_code="CGCT",
    article="L5214-16",
    paragraph="IV",
    version=date(2016, 1, 1),
    subject="communauté de communes",
    statement=(
        "Pour une communauté de communes, l'intérêt communautaire d'une compétence est "
        "lui aussi fixé par le conseil communautaire, avec au moins deux tiers des "
        "voix."
    ),
)

COMMUNITY_INTEREST_DEADLINE_CC = LegalRule(
    code="community-interest-deadline-cc",
    legal_code="CGCT",
    article="L5214-16",
    paragraph="IV",
    version=date(2016, 1, 1),
    subject="communauté de communes",
    statement=(
        "Le délai est le même pour une communauté de communes : deux ans à compter "
        "de la prise d'effet du transfert. Sans définition dans ce délai, "
        "la communauté de communes exerce toute la compétence transférée."
    ),
)

CIAS_CA = LegalRule(
    code="cias-ca",
    legal_code="CGCT",
    article="L5216-5",
    paragraph="II",
    version=date(2016, 1, 1),
    subject="communauté d'agglomération",
    statement=(
        "Une communauté d'agglomération qui exerce l'action sociale d'intérêt "
        "communautaire peut la déléguer, en entier ou en partie, à un CIAS (centre "
        "intercommunal d'action sociale)."
    ),
)

CIAS_CC = LegalRule(
    code="cias-cc",
    legal_code="CGCT",
    article="L5214-16",
    paragraph="II",
    version=date(2016, 1, 1),
    subject="communauté de communes",
    statement=(
        "Une communauté de communes qui exerce l'action sociale d'intérêt "
        "communautaire peut de même la déléguer, en entier ou en partie, à un CIAS."
    ),
)

CIAS = LegalRule(
    code="cias",
    legal_code="CASF",
    article="L123-5",
    paragraph=None,
    version=date(2007, 2, 21),
    subject="EPCI, CIAS et CCAS",
    statement=(
        "Un EPCI peut créer un CIAS pour exercer l'action sociale d'intérêt "
        "communautaire qu'il a reçue. Dès sa création, le CIAS reprend de plein droit "
        "les attributions des CCAS des communes membres qui relèvent de cet intérêt ; "
        "d'autres attributions peuvent lui être transférées par délibérations "
        "concordantes et avec l'accord unanime des CCAS concernés."
    ),
)

CCAS = LegalRule(
    code="ccas",
    legal_code="CASF",
    article="L123-5",
    paragraph=None,
    version=date(2007, 2, 21),
    subject="CCAS",
    statement=(
        "Le centre communal d'action sociale mène la politique sociale générale de "
        "sa commune, en prévention comme en développement social, et prend part à "
        "l'instruction des demandes d'aide sociale. maillage n'enregistre pas le "
        "lien d'un CCAS à sa commune : une action qu'il pilote n'a de base que par "
        "un transfert qui le désigne."
    ),
)

RULES: tuple[LegalRule, ...] = (
    TRANSFER,
    CREATION,
    COMMUNITY_INTEREST_MAJORITY_CA,
    COMMUNITY_INTEREST_DEADLINE_CA,
    COMMUNITY_INTEREST_MAJORITY_CC,
    COMMUNITY_INTEREST_DEADLINE_CC,
    CIAS_CA,
    CIAS_CC,
    CIAS,
    CCAS,
)

# The intérêt communautaire rules (majority, deadline) of each EPCI type that the legal
# texts folder covers. Communautés urbaines and métropoles have their own articles,
# which maillage does not hold, so they have no entry.
COMMUNITY_INTEREST_RULES: dict[str, tuple[LegalRule, LegalRule]] = {
    "CA": (COMMUNITY_INTEREST_MAJORITY_CA, COMMUNITY_INTEREST_DEADLINE_CA),
    "CC": (COMMUNITY_INTEREST_MAJORITY_CC, COMMUNITY_INTEREST_DEADLINE_CC),
}


def two_thirds_reached(vote_share: Decimal | None) -> bool | None:
    """Check a délibération's vote share against the two-thirds majority.

    Returns None when the share is not recorded, because the majority is then unknown.
    """
    if vote_share is None:
        return None
    return vote_share >= TWO_THIRDS_THRESHOLD


def community_interest_rules(
    epci_type: str | None,
) -> tuple[LegalRule, LegalRule] | None:
    """Return the majority and deadline rules for an EPCI type, or None if unknown."""
    if epci_type is None:
        return None
    return COMMUNITY_INTEREST_RULES.get(epci_type)


def community_interest_deadline(effective: date) -> date:
    """Return the last day on which the intérêt communautaire may still be defined.

    The period runs from the transfer's effective date, which is the entry into force of
    the arrêté that pronounces it. From the next day on, the whole competence passes.
    """
    return add_years(effective, COMMUNITY_INTEREST_YEARS)


def add_years(day: date, years: int) -> date:
    """Add calendar years; 29 February becomes 28 February, as in XPath dates."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def find_rule(code: str) -> LegalRule | None:
    """Return the rule whose code is `code`, or None."""
    return next((rule for rule in RULES if rule.code == code), None)

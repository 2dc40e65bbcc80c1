"""Statuses and flags of the answers of legal tracing.

A flag has a stable code, a French message for legal staff, and tells whether it is a
problem (the basis is missing, ended or unknown) or a piece of information (the basis
holds, and here is a condition of it). Messages are French because the report page and
its CSV are read by French legal staff; clients match on `code`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Status(str, Enum):
    """Whether an actor is competent for a territory on a date."""

    COMPETENT = "competent"
    UNDETERMINED = "undetermined"
    NOT_COMPETENT = "not_competent"


STATUS_LABELS: dict[Status, str] = {
    Status.COMPETENT: "compétent",
    Status.UNDETERMINED: "indéterminé",
    Status.NOT_COMPETENT: "non compétent",
}

# Each flag code, whether it is a problem, and its short French label.
FLAG_CODES: dict[str, tuple[bool, str]] = {
    "no-basis": (True, "aucune base enregistrée"),
    "basis-ended": (True, "base terminée"),
    "basis-not-yet-in-force": (True, "transfert pas encore en vigueur"),
    "interest-not-defined": (True, "intérêt communautaire pas encore défini"),
    "not-yet-member": (True, "commune pas encore membre"),
    "commune-left": (True, "commune sortie de l'EPCI"),
    "perimeter-unknown": (True, "périmètre inconnu à cette date"),
    "date-unknown": (True, "date inconnue"),
    "competence-transferred": (True, "compétence transférée"),
    "territory-not-traced": (True, "territoire hors du suivi des transferts"),
    "no-lead": (True, "aucun pilote"),
    "no-competence": (True, "aucune compétence indiquée"),
    "no-territory": (True, "aucun territoire indiqué"),
    "interest-defined": (False, "intérêt communautaire défini"),
    "interest-whole-by-deadline": (False, "compétence entière faute de définition"),
    "interest-defined-late": (False, "définition adoptée après l'échéance"),
    "interest-majority-not-reached": (False, "majorité des deux tiers non atteinte"),
    "interest-majority-unknown": (False, "majorité du vote non enregistrée"),
    "rule-version-unchecked": (False, "version de l'article à vérifier"),
}


@dataclass(frozen=True)
class Flag:
    """A condition found while tracing; `acts` and `rule` are what it rests on."""

    code: str
    message: str
    acts: tuple[str, ...] = ()
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.code not in FLAG_CODES:
            raise ValueError(f"unknown flag code {self.code!r}")

    @property
    def problem(self) -> bool:
        return FLAG_CODES[self.code][0]

    @property
    def label(self) -> str:
        return FLAG_CODES[self.code][1]

    def to_dict(self) -> dict[str, object]:
        """Return the flag as a JSON-ready dict."""
        return {
            "code": self.code,
            "label": self.label,
            "problem": self.problem,
            "message": self.message,
            "acts": list(self.acts),
            "rule": self.rule,
        }


def worst(statuses: Iterable[Status]) -> Status:
    """Return the worst status: not competent, then undetermined, then competent."""
    order = [Status.NOT_COMPETENT, Status.UNDETERMINED, Status.COMPETENT]
    present = set(statuses)
    return next((status for status in order if status in present), Status.COMPETENT)


def best(statuses: Iterable[Status]) -> Status:
    """Return the best status: one basis that holds is enough."""
    order = [Status.COMPETENT, Status.UNDETERMINED, Status.NOT_COMPETENT]
    present = set(statuses)
    return next((status for status in order if status in present), Status.NOT_COMPETENT)


def unique(flags: Iterable[Flag]) -> list[Flag]:
    """Return the flags without repeats, in their first order."""
    return list(dict.fromkeys(flags))

"""Generate commune series of plausible size, for the demo and the benchmark.

The values are drawn from a seeded `random.Random`, so a given seed, list of communes
and years always gives the same figures. Each commune gets its own population trend
and its own share for each indicator around a typical share of its population (or of
its households); a commune of 100 inhabitants thus gets a handful of RSA households and
a town of 8,000 a few hundred. They are generated figures: they describe no real
commune, and every dataset made from them says so.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

# Indicator key -> (base, typical share of the base, spread of the share between
# communes). The base is the population, the households or another indicator of
# this table, which must come earlier in the table.
SHARES: dict[str, tuple[str, float, float]] = {
    "population-20-64": ("population", 0.53, 0.05),
    "population-60-plus": ("population", 0.31, 0.06),
    "population-75-plus": ("population", 0.11, 0.03),
    "children-under-3": ("population", 0.028, 0.008),
    "births": ("population", 0.0095, 0.003),
    "households": ("population", 0.465, 0.03),
    "single-parent-families": ("households", 0.08, 0.025),
    "people-living-alone": ("households", 0.36, 0.06),
    "people-in-tax-households": ("population", 0.97, 0.01),
    "poor-people": ("people-in-tax-households", 0.14, 0.05),
    "labour-force": ("population", 0.44, 0.04),
    "unemployed": ("labour-force", 0.11, 0.04),
    "jobseekers-abc": ("population", 0.075, 0.02),
    "jobseekers-under-26": ("jobseekers-abc", 0.13, 0.04),
    "rsa-households": ("population", 0.02, 0.008),
    "rsa-covered-people": ("rsa-households", 1.9, 0.2),
    "aah-beneficiaries": ("population", 0.0195, 0.006),
    "minimum-vieillesse": ("population", 0.009, 0.004),
    "family-benefit-households": ("households", 0.22, 0.05),
    "housing-benefit-households": ("households", 0.18, 0.06),
    "main-residences": ("households", 1.0, 0.0),
    "social-housing-units": ("main-residences", 0.06, 0.06),
    "social-housing-requests": ("social-housing-units", 0.3, 0.1),
    "childcare-places": ("children-under-3", 0.55, 0.15),
    "apa-home-beneficiaries": ("population", 0.012, 0.004),
    "general-practitioners": ("population", 0.0009, 0.0004),
}

POPULATION = "population-municipale"
GENERATED_KEYS: tuple[str, ...] = (POPULATION, *SHARES)


@dataclass(frozen=True)
class CommuneSeed:
    """A commune to generate values for: its IRI and its population of `base_year`."""

    iri: str
    population: int


def generate_values(
    communes: Iterable[CommuneSeed],
    years: Iterable[int],
    *,
    seed: int = 0,
    base_year: int,
    keys: Iterable[str] = GENERATED_KEYS,
) -> dict[tuple[str, str, int], Decimal]:
    """Return generated values by (commune IRI, indicator key, year).

    The population of `base_year` is the commune's own; the other years follow a
    yearly growth rate drawn for each commune.
    """
    rows = iter_values(communes, years, seed=seed, base_year=base_year, keys=keys)
    return {(commune, key, period): Decimal(v) for commune, key, period, v in rows}


def iter_values(
    communes: Iterable[CommuneSeed],
    years: Iterable[int],
    *,
    seed: int = 0,
    base_year: int,
    keys: Iterable[str] = GENERATED_KEYS,
) -> Iterator[tuple[str, str, int, int]]:
    """Yield (commune IRI, indicator key, year, value) one commune after the other.

    The same seed gives the same values as `generate_values`, without holding them
    all in memory.
    """
    rng = random.Random(seed)
    wanted = [key for key in GENERATED_KEYS if key in set(keys)]
    years = sorted(years)
    for commune in communes:
        shares = {
            key: max(0.0, rng.gauss(share, spread))
            for key, (_, share, spread) in SHARES.items()
        }
        growth = rng.uniform(-0.008, 0.012)
        for period in years:
            population = commune.population * (1 + growth) ** (period - base_year)
            drawn = {"population": population, POPULATION: population}
            for key, (base, _, _) in SHARES.items():
                drift = 1 + rng.gauss(0, 0.03)
                drawn[key] = drawn[base] * shares[key] * drift
            for key in wanted:
                yield commune.iri, key, period, round(drawn[key])

"""Content negotiation on Accept with quality values (RFC 9110, section 12.5.1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    """One entry of Accept: `type/subtype`, `type/*` or `*/*`, with its weight."""

    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int:
        """Return 2, 1 or 0 for an exact, `type/*` or `*/*` match, and -1 for none."""
        offered_type, _, offered_subtype = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != offered_type:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == offered_subtype else -1


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header; entries that are not `type/subtype` are skipped."""
    ranges = []
    for entry in header.split(","):
        media_type, *parameters = (part.strip() for part in entry.split(";"))
        type_, slash, subtype = media_type.lower().partition("/")
        if not slash or not type_ or not subtype:
            continue
        ranges.append(MediaRange(type_, subtype, _quality(parameters)))
    return ranges


def negotiate(header: str | None, offered: Sequence[str]) -> str | None:
    """Return the offered media type the client prefers, or None if none is acceptable.

    Each offered type takes the weight of the most specific range that matches it. Ties
    go to the first type in `offered`, and so does a missing or empty header.
    """
    if not header or not header.strip():
        return offered[0]
    ranges = parse_accept(header)
    if not ranges:
        return offered[0]
    best, best_quality = None, 0.0
    for media_type in offered:
        quality = _quality_of(media_type, ranges)
        if quality > best_quality:
            best, best_quality = media_type, quality
    return best


def prefers_html(header: str | None) -> bool:
    """Return True when a client names `text/html` and ranks it above JSON."""
    if not header or "text/html" not in header.lower():
        return False
    return negotiate(header, ["application/json", "text/html"]) == "text/html"


def prefers_html_to(header: str | None, offered: Sequence[str]) -> bool:
    """Return True when a client names `text/html` and ranks it above every offer."""
    if not header or "text/html" not in header.lower():
        return False
    return negotiate(header, ["text/html", *offered]) == "text/html"


def _quality_of(media_type: str, ranges: list[MediaRange]) -> float:
    matches = [(r.specificity(media_type), r.quality) for r in ranges]
    matches = [match for match in matches if match[0] >= 0]
    if not matches:
        return 0.0
    return max(matches)[1]


def _quality(parameters: Sequence[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0

"""Net Promoter Score: "How likely are you to recommend us to a colleague?" (0-10).

Promoters answer 9-10, passives 7-8, detractors 0-6. NPS = % promoters - % detractors,
from -100 to 100; with no answers there is no score, rather than a misleading 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


@dataclass(frozen=True)
class NpsSummary:
    promoters: int
    passives: int
    detractors: int

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        """Rounded NPS, or None without answers."""
        if not self.answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answers)


def is_promoter(score: int) -> bool:
    return score >= PROMOTER_FROM


def is_detractor(score: int) -> bool:
    return score <= DETRACTOR_UP_TO


def nps_group_label(score: int) -> str:
    """Promoter, passive or detractor, for a 0-10 recommend score, in the current language."""
    if is_promoter(score):
        return str(_l("Promoter"))
    if is_detractor(score):
        return str(_l("Detractor"))
    return str(_l("Passive"))


def nps_summary(scores: Iterable[int]) -> NpsSummary:
    """Count the answers; ``ValueError`` for a score outside 0-10."""
    promoters = passives = detractors = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"a recommend score is 0-10, not {score}")
        if is_promoter(score):
            promoters += 1
        elif is_detractor(score):
            detractors += 1
        else:
            passives += 1
    return NpsSummary(promoters, passives, detractors)


def score_distribution(scores: Iterable[int]) -> list[int]:
    """How many answered 0, 1, ... 10: the bars of the chart."""
    counts = [0] * 11
    for score in scores:
        counts[score] += 1
    return counts

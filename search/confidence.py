"""How likely a match is to be right: a confidence for a hit's topic score, calibrated on the tuning
half of the shipped notices, and the confidence a match must have to be listed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from search.base import CAPABILITY, NEED


@dataclass(frozen=True)
class Calibration:
    """A logistic curve from a hit's topic score (text + CPV + domain, no region) to the share of such
    hits that were right on the tuning half of the shipped notices: a need of another body with a code
    in the asked need's CPV group (peers), or a winner of a notice of that group (suppliers).

    It is fitted on the lists of needs asked *without* their codes: with codes, the codes that decide
    what is right also decide the ranking, so those lists would teach the curve nothing. A declared
    code weighs more in the topic score than a guessed one, so the curve errs on the safe side for
    needs with codes. `python -m bench.calibrate` fits it; bench/RESULTS.md has the fit."""

    slope: float
    offset: float

    def confidence(self, topic: float) -> float:
        return 1 / (1 + math.exp(-(self.slope * topic + self.offset)))

    def floor(self, confidence: float) -> float:
        """The topic score at which a hit reaches `confidence`."""
        confidence = min(max(confidence, 1e-6), 1 - 1e-6)
        return (math.log(confidence / (1 - confidence)) - self.offset) / self.slope


# One curve for every list: fitted on the peers of the tuning half (3,866 hits). The suppliers there are
# mostly UK award winners (667 hits), too few and too unlike the site's suppliers to fit a curve of
# their own (theirs put the floor at a topic score of 0.25, low enough to list a CPV group and a
# couple of common words).
PEERS = Calibration(slope=6.310, offset=-2.549)
CALIBRATIONS = {NEED: PEERS, CAPABILITY: PEERS}
# A list shows the matches at least this likely to be right: it aims for at least one in two listed
# matches being about the same kind of purchase (CPV group) as the need. bench/RESULTS.md gives the
# precision this reaches on the report half.
CONFIDENT = 0.5


def calibration(kind: str) -> Calibration:
    return CALIBRATIONS.get(kind, CALIBRATIONS[NEED])

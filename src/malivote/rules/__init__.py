"""Seat rules: pure array functions, batched over any leading axes.

District rules take votes shaped ``(..., C, K)`` (draws, constituencies, list slots)
and a magnitude ``(C,)``, and return a :class:`DistrictOutcome`:

- :func:`two_round`: Mali's rule. A list with an absolute majority of the valid votes
  takes all the seats; otherwise the two leading lists meet in a runoff.
- :func:`open_runoff`: two rounds where every list with enough of the registered
  voters goes to round 2 (the French rule).
- :func:`plurality`: one round, the leading list takes all.
- :func:`block_vote`: candidate block voting; returns a :class:`BlockOutcome`.

Proportional rules take votes shaped ``(..., K)`` and seats per row:

- :func:`divisor` with ``method`` in :data:`DIVISOR_METHODS`;
- :func:`largest_remainder` with ``quota`` in :data:`QUOTAS`.

Every rule breaks ties by lot with its ``rng`` argument, or as its ``ties`` argument
says (:data:`TIE_RULES`; see :mod:`malivote.rules.ties`); with ``count_lots=True`` it
also reports how many ties each row broke by lot. Every rule raises
:class:`ValueError`, naming the argument, on bad input.
"""

from malivote.rules._apportion import Apportionment
from malivote.rules._validation import MAX_SEATS
from malivote.rules.block import BlockOutcome, block_vote
from malivote.rules.divisor import DIVISOR_METHODS, divisor, divisors
from malivote.rules.majority import DistrictOutcome, open_runoff, plurality, two_round
from malivote.rules.remainder import QUOTAS, largest_remainder, quota_fraction
from malivote.rules.ties import TIE_RULES

__all__ = [
    "Apportionment",
    "BlockOutcome",
    "DIVISOR_METHODS",
    "DistrictOutcome",
    "MAX_SEATS",
    "QUOTAS",
    "TIE_RULES",
    "block_vote",
    "divisor",
    "divisors",
    "largest_remainder",
    "open_runoff",
    "plurality",
    "quota_fraction",
    "two_round",
]

"""Who stands on a list, and in which order: rules on the candidates' sex.

Mali's gender law (Loi 2015-052) makes a list of three or more candidates
inadmissible if more than 70% of them are of one sex (``MALI_FACTS.md``; that 1- and
2-seat lists are exempt is of medium confidence). These functions rewrite the sexes of
a roster, keeping its parties, to compare such rules:

- ``"thirty_percent"``: the law at its minimum: every list of 3 or more candidates
  has exactly ceil(30%) women, placed last (the worst placement the law allows);
  shorter lists keep their drawn candidates.
- ``"zipper"``: men and women alternate down every list, which starts with a woman or
  a man by lot (a "zipper" or "zebra" list, as in Belgium, Senegal or Tunisia).

Under Mali's rule a winning list elects all its candidates, so only how many women
stand matters; under proportional rules the order decides who is elected.

Examples
--------
>>> import numpy as np
>>> party = np.array([[3, 3, 3, 3, -1]])
>>> female = np.zeros((1, 5), bool)
>>> apply_sex_rule(party, female, "thirty_percent", rng=0).astype(int)
array([[0, 0, 1, 1, 0]])
"""

from __future__ import annotations

import numpy as np

from malivote.rules._backend import backend

__all__ = ["SEX_RULES", "apply_sex_rule"]

SEX_RULES = ("as_drawn", "thirty_percent", "zipper")


def apply_sex_rule(roster_party: np.ndarray, roster_female: np.ndarray, rule: str, rng=None) -> np.ndarray:
    """The sexes of every roster under ``rule``.

    Parameters
    ----------
    roster_party : ndarray of int, shape (..., M)
        Party of each roster position, -1 past the end of the list.
    roster_female : ndarray of bool, shape (..., M)
        The drawn sexes (kept by ``"as_drawn"``, and for lists under 3 candidates by
        ``"thirty_percent"``).
    rule : {"as_drawn", "thirty_percent", "zipper"}
    rng : {None, int, numpy.random.Generator, ...}
        Who heads a zipper list.

    Returns
    -------
    ndarray of bool, shape (..., M)
    """
    if rule not in SEX_RULES:
        raise ValueError(f"rule: unknown rule {rule!r}; expected one of {SEX_RULES}")
    roster_party = np.asarray(roster_party)
    roster_female = np.asarray(roster_female, dtype=bool)
    if rule == "as_drawn":
        return roster_female
    # One draw per list, whichever code places the women.
    woman_first = np.random.default_rng(rng).random(roster_party.shape[:-1]) < 0.5 if rule == "zipper" else None
    if (roster_party.size and roster_party.dtype.kind in "iu" and roster_female.shape == roster_party.shape
            and backend() == "numba"):
        return _sex_rule_numba(roster_party, roster_female, rule, woman_first)
    on_list = roster_party >= 0
    length = on_list.sum(axis=-1, keepdims=True)
    position = np.arange(roster_party.shape[-1])
    if rule == "zipper":
        return on_list & ((position % 2 == 0) == woman_first[..., None])
    women = -((-3 * length) // 10)  # ceil(0.3 * length), exactly
    minimum = on_list & (position >= length - women)
    return np.where(length >= 3, minimum, roster_female & on_list)


def _sex_rule_numba(roster_party, roster_female, rule, woman_first) -> np.ndarray:
    """:func:`apply_sex_rule` in one pass of :func:`malivote._models_numba.sex_rule_rows`
    (``woman_first``: the zipper's draw per list, None under the other rule)."""
    from malivote._models_numba import THIRTY_PERCENT, ZIPPER, sex_rule_rows

    places = roster_party.shape[-1]
    if woman_first is None:
        woman_first = np.zeros(0, bool)
    out = np.empty(roster_party.shape, bool)
    sex_rule_rows(np.ascontiguousarray(roster_party).reshape(-1, places),
                  np.ascontiguousarray(roster_female).reshape(-1, places),
                  ZIPPER if rule == "zipper" else THIRTY_PERCENT, woman_first.reshape(-1), out.reshape(-1, places))
    return out

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
    on_list = roster_party >= 0
    length = on_list.sum(axis=-1, keepdims=True)
    position = np.arange(roster_party.shape[-1])
    if rule == "zipper":
        rng = np.random.default_rng(rng)
        woman_first = rng.random(length.shape) < 0.5
        return on_list & ((position % 2 == 0) == woman_first)
    women = -((-3 * length) // 10)  # ceil(0.3 * length), exactly
    minimum = on_list & (position >= length - women)
    return np.where(length >= 3, minimum, roster_female & on_list)

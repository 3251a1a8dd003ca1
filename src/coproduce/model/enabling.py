"""Enabling inputs: co-production "may be value for money, but it usually cannot produce value
without money" (Bovaird & Loeffler 2012).

An intervention may declare inputs that enable it (an organiser, training, PCSO briefings).
When less of such an input is used than the level its effects were measured at, every link out
of the intervention has its effect multiplied by

    m = floor + (1 − floor) × min(1, actual / level) ^ elasticity

and the multipliers of several enabling inputs multiply together. With no support at all the
effect is the product of the floors (0 by default): nothing happens without the enabling input.
Above the declared level the effect is not raised (m = 1): the evidence says nothing about
more support than was studied.
"""

from __future__ import annotations

import numpy as np

DEFAULT_ELASTICITY = 1.0
DEFAULT_FLOOR = 0.0


def multiplier(actual, level, elasticity=DEFAULT_ELASTICITY, floor=DEFAULT_FLOOR):
    """The share of an intervention's effect kept when it uses ``actual`` of an enabling input
    declared at ``level`` (same units). Arrays broadcast (e.g. draws); a level of 0 (nothing was
    needed) keeps the whole effect."""
    actual = np.asarray(actual, dtype=float)
    level = np.asarray(level, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            level > 0, np.clip(actual / np.where(level > 0, level, 1.0), 0.0, 1.0), 1.0
        )
    # within rounding of the declared level (levels are stored to 12 figures) is the level
    ratio = np.where(ratio >= 1 - 1e-9, 1.0, ratio)
    # 0 ** 0 is 1 in numpy: an elasticity of 0 means the effect does not depend on the input
    return floor + (1.0 - np.asarray(floor, dtype=float)) * ratio ** np.asarray(
        elasticity, dtype=float
    )

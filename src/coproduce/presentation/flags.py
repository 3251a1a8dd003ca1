"""One vocabulary for the caveats of :mod:`coproduce.engine.flags`: a short label for tables
and badges, a sentence for notes and summaries, and whether the flag means a figure cannot be
delivered as it stands (shown as a warning)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlagWords:
    label: str  # a badge or a table cell
    sentence: str  # a note: completes "This pathway ..." or stands alone as a clause
    warning: bool  # cannot be delivered, or its effect is not what the file says


FLAGS: dict[str, FlagWords] = {
    "contested": FlagWords(
        "contested evidence",
        "rests on a contested link: stakeholders dispute whether or how much it works",
        False,
    ),
    "weak_evidence": FlagWords(
        "weak evidence", "rests on a weakly evidenced link (grade 2 or below)", False
    ),
    "ungraded_evidence": FlagWords(
        "ungraded evidence", "rests on a link with no evidence grade", False
    ),
    "complex": FlagWords(
        "complex: indicative",
        "runs through a complex outcome: its figures are indicative, not a forecast",
        False,
    ),
    "no_public_input": FlagWords(
        "no enabling input",
        "is co-production with no public enabling input: co-production rarely produces value "
        "without some public money (Bovaird & Loeffler 2012)",
        True,
    ),
    "enabling_shortfall": FlagWords(
        "enabling input cut",
        "uses less of an enabling input than its effects were measured with, so its effect is cut",
        True,
    ),
    "over_capacity": FlagWords(
        "over capacity", "needs a volume above the intervention's capacity", True
    ),
    "over_available": FlagWords(
        "more than available",
        "needs more of a resource than is available (for example volunteer hours)",
        True,
    ),
}


def flag_label(kind: str) -> str:
    """The short label of a flag (``over_available`` → ``more than available``)."""
    return FLAGS[kind].label if kind in FLAGS else kind.replace("_", " ")


def flag_sentence(kind: str) -> str:
    """The flag as a clause that completes "This pathway ..." (or "It ...")."""
    return FLAGS[kind].sentence if kind in FLAGS else kind.replace("_", " ")


def flag_labels(kinds, shares: dict[str, float] | None = None) -> str:
    """``contested evidence (50%), over capacity``: flags with the share of the effect that
    rests on each evidence kind, where known."""
    from ..formatting import percent

    shares = shares or {}
    return ", ".join(
        f"{flag_label(k)} ({percent(shares[k])})" if k in shares else flag_label(k) for k in kinds
    )

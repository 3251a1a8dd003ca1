"""Regenerate the headline figures quoted in docs/examples.md from the code.

Each block of the document between ``<!-- figures:NAME -->`` and ``<!-- /figures -->`` is the
backwards map of one bundled example, written here; ``tests/test_docs.py`` fails when the
document and the code disagree, so the documentation cannot drift from the product.

    .venv/bin/python scripts/example_figures.py          # show what differs
    .venv/bin/python scripts/example_figures.py --write  # rewrite the blocks in place
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import coproduce as cp
from coproduce.formatting import money

DOC = Path(__file__).resolve().parents[1] / "docs" / "examples.md"

# name: (model, outcome, amount, scenarios)
BLOCKS: dict[str, tuple[str, str, float, tuple[str, ...]]] = {
    "older-admissions": ("example:older-people", "admissions_avoided", 40, ()),
    "older-independent": ("example:older-people", "independent_years", 40, ()),
    "older-loneliness": ("example:older-people", "loneliness_free_years", 60, ()),
    "safety-crimes": ("example:neighbourhood-safety", "crimes_prevented", 100, ()),
    "safety-crimes-no-enabling": (
        "example:neighbourhood-safety",
        "crimes_prevented",
        100,
        ("no_enabling_input",),
    ),
    "safety-sex-work": ("example:neighbourhood-safety", "street_sex_work_reduced", 50, ()),
}
_BLOCK = re.compile(r"(<!-- figures:([a-z0-9-]+) -->\n)(.*?)(<!-- /figures -->)", re.S)


def _range(r: tuple[float, float | None] | None, cur: str) -> str:
    if r is None:
        return "never"
    low, high = r
    return f"from {money(low, cur)}" if high is None else f"{money(low, cur)} to {money(high, cur)}"


def block(name: str) -> str:
    """The markdown of one block: the ranked pathways and what cannot reach the target."""
    source, outcome, amount, scenarios = BLOCKS[name]
    model = cp.load_model(source, scenarios=scenarios)
    r = cp.backwards_map(model, outcome, amount)
    cur, unit = r.currency, r.outcome_unit
    lines = [
        f"| pathway | full cost per {unit} | public cost per {unit} | co-production share "
        "(cost / hours) | cheapest in full when time is valued at (an hour) | flags |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for p in r.pathways:
        hours = "–" if p.coproduction_share_hours is None else f"{p.coproduction_share_hours:.0%}"
        flags = ", ".join(
            f"{f.replace('_', ' ')} ({p.flag_shares[f]:.0%})"
            if f in p.flag_shares
            else f.replace("_", " ")
            for f in p.flags
        )
        lines.append(
            f"| {p.label} | {money(p.cost_per_outcome_full, cur)} | "
            f"{money(p.cost_per_outcome_public, cur)} | {p.coproduction_share:.0%} / "
            f"{hours} | {_range(p.first_on_full_cost_when_time_valued, cur)} | "
            f"{flags or '–'} |"
        )
    if r.unreachable:
        lines += ["", "Cannot reach it: " + ", ".join(r.labels[i] for i in r.unreachable) + "."]
    return "\n".join(lines) + "\n"


def regenerate(text: str) -> str:
    """``text`` with every figures block rewritten from the code."""

    def sub(m: re.Match) -> str:
        return m.group(1) + block(m.group(2)) + m.group(4)

    return _BLOCK.sub(sub, text)


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    new = regenerate(text)
    if "--write" in sys.argv:
        DOC.write_text(new, encoding="utf-8")
        return 0
    if new != text:
        print("docs/examples.md differs from the code; run with --write")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

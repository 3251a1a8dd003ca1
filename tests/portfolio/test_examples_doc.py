"""docs/examples.md tells the bundled portfolio's story with its figures; the figures block is
regenerated from the code here, so the page cannot drift from the product.

    .venv/bin/python -m tests.portfolio.test_examples_doc      # rewrites the block
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "examples.md"
BEGIN = "<!-- portfolio:figures -->"
END = "<!-- /portfolio:figures -->"
DRAWS, SEED = 2000, 1


def block() -> str:
    """The figures of ``coproduce portfolio example:city-portfolio`` as Markdown."""
    from coproduce.formatting import money, percent
    from coproduce.portfolio import analyse_portfolio
    from coproduce.portfolio.words import (
        KIND_SHORT,
        TIER_WORDS,
        grade_words,
        plan_words,
        sensitivity_words,
    )

    r = analyse_portfolio("example:city-portfolio", draws=DRAWS, seed=SEED)
    cur = r.currency
    lines = [
        "| rank | service | best co-produced (kind) | full cost a unit | best professional "
        "| full cost a unit | saving in full, a period | saving in public money | "
        "co-production cheaper (draws) | evidence (co-produced) | recommendation |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in r.ranking:
        c = r.services[row["service"]]
        co, prof = c.pathway(c.best_coproduced), c.pathway(c.best_professional)
        prob = (c.uncertainty or {}).get("prob_coproduction_cheaper", {}).get("full")
        lines.append(
            f"| {row['rank']} | {r.service_label(row['service'])} | {co['label']} "
            f"({KIND_SHORT[co['kind']]}) | {money(co['cost_per_outcome']['full'], cur)} | "
            f"{prof['label']} | {money(prof['cost_per_outcome']['full'], cur)} | "
            f"{money(c.advantage['full']['saving'], cur)} | "
            f"{money(c.advantage['public']['saving'], cur)} | {percent(prob)} | "
            f"{grade_words(co['evidence']['grade'])} | {TIER_WORDS[row['tier']]} |"
        )
    lines.append("")
    lines.extend(f"- {t}" for t in plan_words(r)[:3])
    lines.extend(f"- {t}" for t in sensitivity_words(r))
    return "\n".join(lines)


def regenerate(text: str) -> str:
    head, sep, rest = text.partition(BEGIN)
    if not sep:
        raise AssertionError(f"docs/examples.md has no {BEGIN} block")
    _, sep2, tail = rest.partition(END)
    if not sep2:
        raise AssertionError(f"docs/examples.md has no {END}")
    return f"{head}{BEGIN}\n{block()}\n{END}{tail}"


def test_the_portfolio_figures_in_the_docs_are_the_codes():
    text = DOC.read_text(encoding="utf-8")
    assert regenerate(text) == text, (
        "docs/examples.md is out of date: run .venv/bin/python -m tests.portfolio.test_examples_doc"
    )


if __name__ == "__main__":
    DOC.write_text(regenerate(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write("docs/examples.md: portfolio figures rewritten\n")

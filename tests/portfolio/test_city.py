"""The bundled city portfolio through the command line, its JSON contract and its report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coproduce.model import load_model
from coproduce.portfolio import load_portfolio
from coproduce.reports.charts import text_boxes

from ..clirun import cli
from ..test_voice import CHECKS, visible

DRAWS = "300"


def _ids() -> set[str]:
    out: set[str] = set()
    pf = load_portfolio("example:city-portfolio")
    for name, svc in pf.services.items():
        m = svc.model
        for section in (
            m.resources,
            m.interventions,
            m.outcomes,
            m.agencies,
            m.sectors,
            m.scenarios,
        ):
            out |= {k for k in section if "_" in k}
        out.add(name) if "_" in name else None
    out |= {p for p in pf.pools if "_" in p}
    return out


IDS = _ids()


def faults(text: str) -> list[str]:
    out = [f"model id {i!r}" for i in IDS if re.search(rf"\b{re.escape(i)}\b(?!\.\w)", text)]
    for what, rx in CHECKS:
        out += [
            f"{what}: {m.group(0)!r} in …{text[max(0, m.start() - 60) : m.end() + 40]!r}…"
            for m in rx.finditer(text)
        ]
    return out


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("city")
    html, xlsx = tmp / "city.html", tmp / "city.xlsx"
    printed = cli("portfolio", "example:city-portfolio", "--draws", DRAWS, "--out", str(html))
    as_json = cli("portfolio", "example:city-portfolio", "--draws", DRAWS, "--json")
    workbook = cli("portfolio", "example:city-portfolio", "--draws", "0", "--out", str(xlsx))
    return printed, as_json, workbook, html, xlsx


def test_the_city_portfolio_prints_its_tables_plan_and_recommendation(ran):
    printed = ran[0]
    assert printed.returncode == 0, printed.stderr[-2000:]
    out = printed.stdout
    for words in (
        "co-produced against professional pathways",
        "Joint plan across the services",
        "Shared limits and what one more unit is worth",
        "Where co-production pays first",
        "1. Co-produce first in",
        "The joint plan reaches every service's targets",
        "If residents' time were valued differently",
        "Report written to",
    ):
        assert words in out, words


def test_the_json_keeps_the_contract(ran):
    r = ran[1]
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(r.stdout)
    assert set(d["services"]) == {"older", "safety", "environment", "conditions"}
    plan = d["plan"]
    assert plan["status"] == "optimal"
    assert set(plan["volumes"]) == set(d["services"])
    assert plan["volumes"]["conditions"]["extra_nurse_reviews"] >= 0
    assert {"public", "full"} <= set(plan["cost"])
    assert set(plan["shadow_prices"]["pools"]) == {"volunteers"}
    assert plan["shadow_prices"]["pools"]["volunteers"] > 0
    assert plan["shadow_prices"]["budgets"]["enabling"] > 0
    s = d["services"]["conditions"]
    for key in (
        "best_coproduced",
        "best_professional",
        "advantage",
        "uncertainty",
        "evidence",
        "time_needed",
        "today_by_kind",
        "recommendation",
        "plan",
        "coproduction_cheaper_when_time_valued",
    ):
        assert key in s, key
    assert s["best_coproduced"]["kind"] == "individual"
    assert 0 <= s["uncertainty"]["prob_coproduction_cheaper"]["full"] <= 1
    assert s["evidence"]["evpi"] >= 0
    assert s["plan"]["by_kind"]
    assert [r["rank"] for r in d["recommendation"]] == [1, 2, 3, 4]
    assert d["time_value_sensitivity"] and d["summary"]
    # the pool is used in full, and its hours go where the plan says
    use = plan["pool_use"]["volunteers"]
    assert use["used"] == pytest.approx(use["available"])
    assert sum(use["by_service"].values()) == pytest.approx(use["used"])


def test_the_report_has_the_chart_and_speaks_in_words(ran):
    page = ran[3].read_text(encoding="utf-8")
    assert "Where co-production pays: advantage against evidence" in page
    assert (
        "The joint plan&#x27;s allocation of pooled hours" in page
        or "The joint plan's allocation of pooled hours" in page
    )
    assert "plotly" not in page.lower()
    text = visible(page)
    assert not faults(text), faults(text)[:5]
    outside = [
        t
        for t in text_boxes(page)
        if t[1] < -0.5 or t[2] > t[5] + 0.5 or t[3] < -0.5 or t[4] > t[6] + 0.5
    ]
    assert not outside, outside[:3]
    assert ran[3].stat().st_size < 1_500_000


def test_the_command_line_speaks_in_words(ran):
    assert not faults(ran[0].stdout), faults(ran[0].stdout)[:5]


def test_the_workbook(ran):
    from openpyxl import load_workbook

    assert ran[2].returncode == 0, ran[2].stderr[-2000:]
    wb = load_workbook(ran[4])
    assert {
        "Summary",
        "Recommendation",
        "Services",
        "Joint plan",
        "Limits",
        "Kinds",
        "Time valuations",
    } <= set(wb.sheetnames)


def test_the_new_example_models_are_sourced():
    """Every resource and link of the two new models names its source; every assumption says
    so."""
    for name in ("local-environment", "long-term-conditions"):
        m = load_model(f"example:{name}")
        assert all(r.source for r in m.resources.values()), name
        assert all(lk.source for lk in m.links), name
        assert all(i.coproduction for i in m.interventions.values()), name
        text = Path(load_model.__globals__["resolve"](f"example:{name}")).read_text()
        assert text.count("Assumption") >= 10, name
        assert set(m.time_values) == {"replacement_cost", "national_living_wage", "zero"}
        assert any(i.max_decrease for i in m.interventions.values()), name
        assert any(i.enabling for i in m.interventions.values()), name

"""The ``uncertainty`` and ``voi`` commands through the entry point: in this process, and
once through a real interpreter."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.clirun import cli as run
from tests.clirun import cli_process

from .conftest import read_oracle

CONTRACT = {"wtp", "options", "summary", "evpi", "evppi", "ceac", "frontier"}
ECONOMICS = {
    "caveats",
    "most_likely_best",
    "best_that_fits",
    "beliefs",
    "time_value",
    "most_likely_best_when_time_valued",
    "time_value_switching",
}


@pytest.mark.parametrize(
    "example, target, wtp",
    [
        ("example:older-people", "independent_years=40", "43000"),
        ("example:neighbourhood-safety", "crimes_prevented=100", "5000"),
    ],
)
def test_uncertainty_report_and_json(tmp_path, example, target, wtp):
    out = tmp_path / "report.html"
    draws = tmp_path / "draws.csv"
    r = run(
        "uncertainty",
        example,
        "--target",
        target,
        "--wtp",
        wtp,
        "--draws",
        "1024",
        "--json",
        "--out",
        str(out),
        "--draws-out",
        str(draws),
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) >= CONTRACT | ECONOMICS
    for o in d["options"]:
        s = d["summary"][o]
        assert {"mean", "low", "high"} <= set(s["net_benefit"])
        assert 0 <= s["prob_best"] <= 1
        assert isinstance(s["fits"], bool) and s["flags"] == d["caveats"][o]["flags"]
    assert d["beliefs"] and not set(d["beliefs"]) & set(d["options"])
    assert sum(d["summary"][o]["prob_best"] for o in d["options"]) == pytest.approx(1)
    assert {"wtp", "prob_best"} <= set(d["ceac"][0])
    assert {f["status"] for f in d["frontier"]} <= {"frontier", "dominated", "extendedly dominated"}
    assert all(v <= d["evpi"] * 1.01 + 1e-6 for v in d["evppi"].values())
    html = out.read_text()
    for title in (
        "Cost-effectiveness plane",
        "How likely each option is to be the best buy",
        "Where better evidence is worth most",
        "One-way sensitivity",
    ):
        assert title in html
    assert html.count("data:text/csv;base64") >= 4
    assert "The evidence most worth paying for is" in html
    # the exported draws give the same EVPI through `coproduce voi`
    r2 = run("voi", str(draws), "--wtp", wtp, "--json")
    assert r2.returncode == 0, r2.stderr
    assert json.loads(r2.stdout)["evpi"] == pytest.approx(d["evpi"], rel=1e-12)


def test_same_seed_same_bytes_across_chunk_sizes():
    args = (
        "uncertainty",
        "example:older-people",
        "--target",
        "independent_years=40",
        "--wtp",
        "43000",
        "--draws",
        "2048",
        "--seed",
        "5",
        "--json",
        "--evidence-priors",
    )
    a = run(*args, "--chunk", "1000")
    b = run(*args, "--chunk", "10000")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout


def test_voi_on_chemo_net_benefit(tmp_path, chemo_nb=None):
    nb = read_oracle("voi_chemo_nb.csv")
    pars = read_oracle("voi_chemo_pars.csv")
    frame = pd.concat([nb.rename(columns=lambda c: f"net_benefit:{c}"), pars], axis=1)
    path = tmp_path / "chemo.csv"
    frame.to_csv(path, index=False)
    r = run(
        "voi",
        str(path),
        "--wtp",
        "20000",
        "--json",
        "--group",
        "side effects=p_side_effects_t1,p_side_effects_t2",
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["evpi"] == pytest.approx(368.6051, abs=5e-5)
    assert d["evppi"]["logor_side_effects"] == pytest.approx(331.867581, rel=0.01)
    assert d["evppi"]["side effects"] == pytest.approx(333.451566, rel=0.01)
    assert d["most_valuable_input"] == "logor_side_effects"
    assert d["frontier"] == [] and d["ceac"] == []


def test_portfolios_and_spend_run():
    r = run(
        "uncertainty",
        "example:older-people",
        "--target",
        "independent_years=40",
        "--wtp",
        "43000",
        "--draws",
        "512",
        "--portfolios",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["options"][0] == "baseline"
    r = run(
        "uncertainty",
        "example:older-people",
        "--target",
        "independent_years=40",
        "--wtp",
        "43000",
        "--draws",
        "512",
        "--spend",
        "500000",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["mode"] == "spend"


def test_voi_through_the_interpreter(tmp_path):
    # two options' net benefit over 6 draws: E[max] = (5 + 4 + 9 + 2 + 7 + 6) / 6 = 33 / 6,
    # max E = max(25 / 6, 27 / 6) = 27 / 6, so EVPI = 6 / 6 = 1
    nb = np.array([[5, 1], [4, 3], [9, 8], [1, 2], [3, 7], [3, 6]], dtype=float)
    path = tmp_path / "nb.csv"
    pd.DataFrame(nb, columns=["net_benefit:a", "net_benefit:b"]).to_csv(path, index=False)
    r = cli_process("voi", str(path), "--wtp", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["evpi"] == pytest.approx(1.0)

"""The survey's capacity estimate is checked against what the model already assumes: more than
three times, or less than a third of, the model's own figure is said so, naming both."""

from __future__ import annotations

import json

from ..clirun import cli


def test_an_estimate_far_from_the_model_is_said_so(tmp_path):
    out = tmp_path / "m.yaml"
    r = cli(
        "survey",
        "capacity",
        "--to-model",
        "example:older-people",
        "--resource",
        "volunteer_hour",
        "--out-model",
        str(out),
        "--json",
    )
    assert r.returncode == 0, r.stderr[-2000:]
    hand_off = json.loads(r.stdout)["to_model"]
    warned = {w["area"]: w for w in hand_off["warnings"]}
    assert warned, "the bundled survey gives several times the model's 30,000 hours"
    for w in warned.values():
        assert w["model_hours"] == 30000
        assert w["ratio"] > 3 or w["ratio"] < 1 / 3
        assert any(
            f"{w['survey_hours']:,.0f} hours" in n and "30,000 hours the model assumes" in n
            for n in hand_off["notes"]
        )
    # areas within a factor of three are not flagged
    for s in hand_off["scenarios"]:
        if s["area"] not in warned:
            assert 1 / 3 <= s["mean"] / 30000 <= 3

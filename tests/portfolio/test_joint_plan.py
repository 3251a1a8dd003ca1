"""The joint plan against hand-worked figures and an independent linear programme.

Two services share a pool of 30 volunteer hours. Service A reaches 10 more units of y through
a professional pathway (5 staff hours at £20: £100 a unit) or a co-produced one (1 staff hour
at £20 plus 2 volunteer hours: £20 of public money a unit). Service B reaches 10 more units of
z through a professional pathway (6 staff hours at £10: £60 a unit) or a co-produced one (1
staff hour at £10 plus 4 helper hours: £10 a unit). Co-producing saves £80 a unit in A for 2
hours (£40 an hour) and £50 a unit in B for 4 hours (£12.50 an hour), so the least public cost
gives A all it can use (10 units, 20 hours) and B the other 10 hours (2.5 units):

- volumes: A co-produced 10, professional 0; B co-produced 2.5, professional 7.5;
- public cost: 10 × 20 + 2.5 × 10 + 7.5 × 60 = £675;
- a pooled hour is worth what it saves at the margin, in B: £50 / 4 = £12.50;
- one more unit of y costs £20 plus 2 hours taken from B (2 × £12.50): £45; one more unit of
  z costs £60 (B's professional pathway).

With an enabling budget of £160 (the public staff time each co-produced pathway declares as
enabling it: £20 a unit in A, £10 in B) both limits bind: 2a + 4b = 30 and 20a + 10b = 160
give a = 17/3, b = 14/3; the duals solve 2p + 20e = 80 and 4p + 10e = 50: a pooled hour is
worth p = £10/3 and an enabling pound e = £11/3; the public cost is (13/3 × 100 + 17/3 × 20
+ 16/3 × 60 + 14/3 × 10) = £2,740/3.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from coproduce.portfolio import joint_plan, load_portfolio


def _linprog(pool: float, enabling: float | None):
    """The same programme written out by hand: x = (a_prof, a_co, b_prof, b_co)."""
    c = [100.0, 20.0, 60.0, 10.0]
    A = [[-1, -1, 0, 0], [0, 0, -1, -1], [0, 2, 0, 4]]
    b = [-10.0, -10.0, pool]
    if enabling is not None:
        A.append([0, 20, 0, 10])
        b.append(enabling)
    return linprog(c, A_ub=A, b_ub=b, bounds=[(0, None)] * 4, method="highs")


def test_two_services_sharing_a_pool_by_hand(files):
    p = joint_plan(load_portfolio(files / "two.yaml"))
    assert p.status == "optimal"
    assert p.volumes["a"] == pytest.approx({"a_prof": 0.0, "a_co": 10.0}, abs=1e-9)
    assert p.volumes["b"] == pytest.approx({"b_prof": 7.5, "b_co": 2.5}, abs=1e-9)
    assert p.cost["public"] == pytest.approx(675.0)
    assert p.shadow_prices["pools"]["volunteers"] == pytest.approx(12.5)
    assert p.shadow_prices["targets"]["a"]["y"] == pytest.approx(45.0)
    assert p.shadow_prices["targets"]["b"]["z"] == pytest.approx(60.0)
    assert p.pool_use["volunteers"]["by_service"] == pytest.approx({"a": 20.0, "b": 10.0})
    assert set(p.binding_targets) == {("a", "y"), ("b", "z")}
    # the kinds carry their share of each outcome and of cost
    assert p.by_kind["b"]["individual"]["effect_share"]["z"] == pytest.approx(0.25)
    assert p.by_kind["b"]["none"]["cost_share_public"] == pytest.approx(450 / 475)


def test_two_services_agree_with_an_independent_lp(files):
    p = joint_plan(load_portfolio(files / "two.yaml"))
    ref = _linprog(30.0, None)
    assert ref.status == 0
    got = [
        p.volumes["a"]["a_prof"],
        p.volumes["a"]["a_co"],
        p.volumes["b"]["b_prof"],
        p.volumes["b"]["b_co"],
    ]
    assert np.allclose(got, ref.x, atol=1e-9)
    assert p.cost["public"] == pytest.approx(ref.fun)
    assert p.shadow_prices["pools"]["volunteers"] == pytest.approx(-ref.ineqlin.marginals[2])


def test_an_enabling_budget_by_hand_and_by_lp(files):
    p = joint_plan(load_portfolio(files / "two_enabling.yaml"))
    assert p.volumes["a"]["a_co"] == pytest.approx(17 / 3)
    assert p.volumes["b"]["b_co"] == pytest.approx(14 / 3)
    assert p.cost["public"] == pytest.approx(2740 / 3)
    assert p.shadow_prices["pools"]["volunteers"] == pytest.approx(10 / 3)
    assert p.shadow_prices["budgets"]["enabling"] == pytest.approx(11 / 3)
    assert p.budget_use["enabling"]["used"] == pytest.approx(160.0)
    ref = _linprog(30.0, 160.0)
    assert p.cost["public"] == pytest.approx(ref.fun)
    assert -ref.ineqlin.marginals[2] == pytest.approx(10 / 3)
    assert -ref.ineqlin.marginals[3] == pytest.approx(11 / 3)


def test_without_the_pool_each_service_would_use_its_own_hours(files):
    """The pool replaces the models' own availability (1,000 hours each): with it gone, every
    target is reached by co-production alone."""
    pf = load_portfolio(files / "two.yaml")
    from dataclasses import replace

    p = joint_plan(replace(pf, pools={}))
    assert p.volumes["a"]["a_co"] == pytest.approx(10.0)
    assert p.volumes["b"]["b_co"] == pytest.approx(10.0)
    assert p.cost["public"] == pytest.approx(300.0)


def test_a_pool_too_small_for_the_targets_is_infeasible_with_a_relaxation(files, tmp_path):
    text = (files / "two.yaml").read_text()
    (tmp_path / "service_a.yaml").write_text(
        (files / "service_a.yaml")
        .read_text()
        .replace("inputs: {staff_hour: 5}", "inputs: {staff_hour: 5}\n    capacity: 0")
    )
    (tmp_path / "service_b.yaml").write_text((files / "service_b.yaml").read_text())
    (tmp_path / "p.yaml").write_text(text)
    p = joint_plan(load_portfolio(tmp_path / "p.yaml"))
    # A can only co-produce: 10 units need 20 hours; B's co-production needs the other 10
    assert p.status == "optimal"
    tight = text.replace("available: 30", "available: 15")
    (tmp_path / "p.yaml").write_text(tight)
    p = joint_plan(load_portfolio(tmp_path / "p.yaml"))
    assert p.status == "infeasible"
    assert p.relaxation["pool.volunteers"]["amount"] == pytest.approx(5.0)

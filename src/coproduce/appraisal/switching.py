"""Switching values: how far each driver can move before the NPV changes sign.

The net present public value is linear in each driver's scale (a cost line, the number of
outcomes of an outcome, a unit value, the hourly rate of time given), so the multiplier at which
NPV reaches zero follows from that driver's present-value contribution ``C``:
``NPV(m) = NPV + (m - 1) * C`` (benefits count positive, costs negative), hence
``m* = 1 - NPV / C``. A multiplier below zero means no change of sign is possible by moving
that driver alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.distributions import mean_of


@dataclass(frozen=True)
class SwitchingValue:
    driver: str
    kind: str  # cost, outcome, value, time_rate
    key: str
    contribution: float  # signed PV contribution to NPV
    multiplier: float | None  # scale at which NPV = 0 (None: cannot switch)
    base_value: float | None = None
    switching_value: float | None = None
    unit: str = ""

    @property
    def change_pct(self) -> float | None:
        return None if self.multiplier is None else (self.multiplier - 1.0) * 100.0

    def to_dict(self) -> dict:
        return {
            "driver": self.driver,
            "kind": self.kind,
            "key": self.key,
            "contribution": self.contribution,
            "multiplier": self.multiplier,
            "change_pct": self.change_pct,
            "base_value": self.base_value,
            "switching_value": self.switching_value,
            "unit": self.unit,
        }


def switching_values(option, h: dict, time_rate: float | None) -> list[SwitchingValue]:
    """Switching values of the deterministic headline ``h`` (arrays of one draw)."""
    npv = float(h["npv_public_value"][0])
    out: list[SwitchingValue] = []

    def mult(contribution: float) -> float | None:
        if contribution == 0:
            return None
        m = 1.0 - npv / contribution
        return m if m >= 0 else None

    time_total = 0.0
    for i, c in enumerate(option.costs):
        contrib = -float(h["pv_cost_lines"][i][0])
        if c.is_time:
            time_total += contrib
        m = mult(contrib)
        out.append(
            SwitchingValue(
                f"cost: {c.label}",
                "cost",
                c.key,
                contrib,
                m,
                -contrib,
                None if m is None else -contrib * m,
                "£ PV",
            )
        )
    lines = h["pv_value_lines"]
    k = 0
    for o in option.outcomes:
        contrib_o = 0.0
        for v in o.values:
            c = 0.0 if (v.type == "fiscal" and v.transfer) else float(lines[k][0])
            contrib_o += c
            m = mult(c)
            out.append(
                SwitchingValue(
                    f"value: {o.label} — {v.label}",
                    "value",
                    v.key,
                    c,
                    m,
                    mean_of(v.value),
                    None if m is None else mean_of(v.value) * m,
                    f"£ per {o.unit} ({v.price_year})",
                )
            )
            k += 1
        m = mult(contrib_o)
        impact = mean_of(o.impact)
        out.append(
            SwitchingValue(
                f"outcomes: {o.label} (impact)",
                "outcome",
                o.key,
                contrib_o,
                m,
                impact,
                None if m is None else impact * m,
                "impact (success) rate",
            )
        )
    if time_total != 0 and time_rate:
        m = mult(time_total)
        out.append(
            SwitchingValue(
                "hourly value of time given",
                "time_rate",
                "time_valuation",
                time_total,
                m,
                time_rate,
                None if m is None else time_rate * m,
                "£ per hour",
            )
        )
    out.sort(key=lambda s: (s.multiplier is None, abs(s.change_pct or 0.0)))
    return out

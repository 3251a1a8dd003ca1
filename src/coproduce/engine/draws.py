"""The draws table: the one canonical result of a probabilistic analysis.

draw × option × quantity: for each option the target outcome reached (``effect``), the cost
that enters net benefit (``cost``), and by-products such as cost by sector; plus the draws of
every uncertain input (for EVPPI). Every uncertainty and value-of-information analysis reads
only this table, so a table made by another model (CSV or Parquet) is analysed the same way.

File layout (one row per draw): ``effect:OPTION`` and ``cost:OPTION`` for every option (or
``net_benefit:OPTION`` when only net benefit is known); other per-option columns are named
``KIND:OPTION`` (``cost_full:falls_classes``) and are carried but not used as inputs; a column
``draw`` numbers the rows; every other numeric column is an uncertain input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BadInput

if TYPE_CHECKING:
    import pandas as pd

_MAIN = ("effect", "cost", "net_benefit")


def _pd():  # pandas loads on first use: `import coproduce` stays quick
    import pandas

    return pandas


class DrawsError(BadInput, ValueError):
    """A draws table (or file) that cannot be analysed; the message says which column."""


@dataclass(frozen=True, eq=False)
class DrawsTable:
    """Draws of a decision problem. Arrays are (draws × options), in the order of ``options``.

    - ``effect``: target outcome reached, in its units; ``cost``: money entering net benefit,
      so that net benefit at willingness to pay λ is ``λ × effect − cost``. For a strategy
      map, ``cost`` is full cost minus the value of the other valued outcomes.
    - ``fixed_net_benefit``: when a table gives only net benefit (λ already applied).
    - ``extra``: other per-option quantities by kind (``cost_full``, ``cost_public``,
      ``value_other``, ``cost_sector_community`` ...).
    - ``inputs``: one column per uncertain input (draws × inputs); ``groups`` names sets of
      input columns analysed together.
    - ``meta``: what produced the table (target, currency, price year, volumes, notes, each
      option's ``caveats``, the ``time_value`` basis).
    - ``beliefs``: the same options under each belief scenario (sensitivity analyses, same
      seed); ``min_evidence``: the analysis rerun on the map without its weakly evidenced
      links. Neither is written to a draws file: the table itself is the canonical result.
    """

    options: tuple[str, ...]
    effect: np.ndarray | None = None
    cost: np.ndarray | None = None
    fixed_net_benefit: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    inputs: pd.DataFrame = field(default_factory=lambda: _pd().DataFrame())
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    beliefs: dict[str, DrawsTable] = field(default_factory=dict)
    min_evidence: DrawsTable | None = None

    def __post_init__(self) -> None:
        # C order, float64: reductions then run in the same order whatever the source
        for name in ("effect", "cost", "fixed_net_benefit"):
            arr = getattr(self, name)
            if arr is not None:
                object.__setattr__(self, name, np.ascontiguousarray(arr, dtype=float))
        object.__setattr__(
            self, "extra", {k: np.ascontiguousarray(v, dtype=float) for k, v in self.extra.items()}
        )
        if len(self.options) == 0:
            raise DrawsError("a draws table needs at least one option")
        if len(set(self.options)) != len(self.options):
            raise DrawsError("option names must be unique")
        if self.fixed_net_benefit is None and (self.effect is None or self.cost is None):
            raise DrawsError("give effect and cost for every option, or net benefit")
        n = self.n_draws
        for name, arr in self._arrays():
            if arr.shape != (n, len(self.options)):
                raise DrawsError(
                    f"{name} has shape {arr.shape}, expected ({n}, {len(self.options)})"
                )
        if len(self.inputs) not in (0, n):
            raise DrawsError(f"inputs have {len(self.inputs)} rows but there are {n} draws")

    def _arrays(self) -> list[tuple[str, np.ndarray]]:
        out = [
            (k, v)
            for k, v in (
                ("effect", self.effect),
                ("cost", self.cost),
                ("net_benefit", self.fixed_net_benefit),
            )
            if v is not None
        ]
        return out + list(self.extra.items())

    @property
    def n_draws(self) -> int:
        ref = self.fixed_net_benefit if self.effect is None else self.effect
        assert ref is not None
        return int(ref.shape[0])

    @property
    def has_effects(self) -> bool:
        return self.effect is not None and self.cost is not None

    def net_benefit(self, wtp: float) -> np.ndarray:
        """Net benefit (draws × options) at willingness to pay ``wtp`` per unit of effect:
        ``wtp × effect − cost``; for a net-benefit-only table, that table (``wtp`` unused)."""
        if self.effect is not None and self.cost is not None:
            return wtp * self.effect - self.cost
        assert self.fixed_net_benefit is not None
        return self.fixed_net_benefit

    # ----- files -------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per draw: ``draw``, ``KIND:OPTION`` columns, then the inputs."""
        pd = _pd()
        cols: dict[str, np.ndarray] = {"draw": np.arange(self.n_draws)}
        for kind, arr in self._arrays():
            for j, opt in enumerate(self.options):
                cols[f"{kind}:{opt}"] = arr[:, j]
        frame = pd.DataFrame(cols)
        if len(self.inputs.columns):
            frame = pd.concat([frame, self.inputs.reset_index(drop=True)], axis=1)
        return frame

    def write(self, path: str | Path) -> None:
        """Write the table as CSV or Parquet (by the file's extension)."""
        path = Path(path)
        frame = self.to_frame()
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(path, index=False)
        elif path.suffix.lower() == ".csv":
            frame.to_csv(path, index=False, float_format="%.17g")
        else:
            raise DrawsError(f"{path}: write draws to a .csv or .parquet file")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str = "draws") -> DrawsTable:
        """Read a table laid out as :meth:`to_frame` writes it (see the module docstring)."""
        pd = _pd()
        per_option: dict[str, dict[str, str]] = {}
        for col in frame.columns:
            name = str(col)
            if ":" in name:
                kind, _, opt = name.partition(":")
                if kind.strip() and opt.strip():
                    per_option.setdefault(kind.strip(), {})[opt.strip()] = name
        main = {k: v for k, v in per_option.items() if k in _MAIN}
        if not main:
            found = ", ".join(map(str, frame.columns[:12]))
            raise DrawsError(
                f"{source}: no columns named effect:OPTION and cost:OPTION (or "
                f"net_benefit:OPTION); columns are {found}"
            )
        if "net_benefit" in main:
            options = list(main["net_benefit"])
        else:
            for need in ("effect", "cost"):
                if need not in main:
                    other = "cost" if need == "effect" else "effect"
                    raise DrawsError(
                        f"{source}: there are {other}:OPTION columns but no {need}:OPTION columns"
                    )
            options = list(main["effect"])
            if set(options) != set(main["cost"]):
                only_e = sorted(set(options) - set(main["cost"]))
                only_c = sorted(set(main["cost"]) - set(options))
                raise DrawsError(
                    f"{source}: every option needs both effect:OPTION and "
                    f"cost:OPTION; missing cost for {only_e or '-'}, missing "
                    f"effect for {only_c or '-'}"
                )
        if len(frame) < 2:
            raise DrawsError(f"{source}: need at least 2 draws (rows), found {len(frame)}")

        def block(kind: str) -> np.ndarray:
            cols = [per_option[kind][o] for o in options if o in per_option[kind]]
            sub = frame[cols]
            for c in cols:
                values = pd.to_numeric(sub[c], errors="coerce")
                bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
                if bad.any():
                    row = int(np.flatnonzero(bad.to_numpy())[0])
                    raise DrawsError(
                        f"{source}: column '{c}' row {row + 2} is not a finite "
                        f"number ({sub[c].iloc[row]!r})"
                    )
            return sub.to_numpy(dtype=float)

        extra = {
            k: block(k) for k in per_option if k not in _MAIN and set(per_option[k]) == set(options)
        }
        used = {c for kinds in per_option.values() for o, c in kinds.items() if o in options}
        inputs = {}
        for col in frame.columns:
            name = str(col)
            if name in used or name == "draw":
                continue
            values = pd.to_numeric(frame[col], errors="coerce")
            if values.isna().all():
                continue  # a text column (labels): not an input
            if values.isna().any():
                row = int(np.flatnonzero(values.isna().to_numpy())[0])
                raise DrawsError(
                    f"{source}: input column '{name}' row {row + 2} is not a "
                    f"number ({frame[col].iloc[row]!r})"
                )
            inputs[name] = values.to_numpy(dtype=float)
        if "net_benefit" in main:
            return cls(
                options=tuple(options),
                fixed_net_benefit=block("net_benefit"),
                extra=extra,
                inputs=pd.DataFrame(inputs),
                meta={"source": source},
            )
        return cls(
            options=tuple(options),
            effect=block("effect"),
            cost=block("cost"),
            extra=extra,
            inputs=pd.DataFrame(inputs),
            meta={"source": source},
        )

    @classmethod
    def read(cls, path: str | Path) -> DrawsTable:
        """Read a draws table from a CSV or Parquet file."""
        pd = _pd()
        path = Path(path)
        if not path.exists():
            raise DrawsError(f"{path}: no such file")
        suffix = path.suffix.lower()
        try:
            if suffix == ".parquet":
                frame = pd.read_parquet(path)
            elif suffix == ".csv":
                frame = pd.read_csv(path)
            else:
                raise DrawsError(f"{path}: read draws from a .csv or .parquet file")
        except DrawsError:
            raise
        except Exception as exc:  # malformed CSV / Parquet: say so, with the parser's words
            raise DrawsError(f"{path}: cannot read the file ({exc})") from None
        return cls.from_frame(frame, source=str(path))

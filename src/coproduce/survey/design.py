"""A complex survey design and its design-based estimators.

``Design`` holds a data frame with the design's weights, strata, clusters (one or more stages)
and finite population corrections, or a set of replicate weights; it estimates means,
proportions, totals and ratios, overall or by domain, with standard errors by Taylor
linearisation (or from the replicates), design effects and confidence intervals. Calibration
(post-stratification, raking) returns a new design. The conventions are those of R's ``survey``
package (Lumley), against which the tests check every estimator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..model.errors import Issue, ModelError
from .estimates import Estimate, EstimateTable, normal_interval
from .variance import (
    Calibration,
    LonelyPSU,
    Stage,
    codes_of,
    linearised_variance,
    replicate_variance,
)

LONELY_RULES = ("fail", "adjust", "remove", "certainty")
REPLICATE_TYPES = ("JK1", "JKn", "bootstrap", "BRR", "other")


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _error(path: str, message: str) -> ModelError:
    return ModelError([Issue(path, message)])


class Design:
    """A survey design over ``frame``; arguments name its columns.

    ``weights``: sampling weights (people represented by each respondent); when omitted they are
    worked out from ``fpc`` (the inverse of the probability of selection at every stage), or all 1.
    ``strata``: stratum column (first stage). ``clusters``: cluster columns, one per stage
    (``["district", "school"]``); omitted, each respondent is its own cluster. ``fpc``: one column
    per stage holding the population size of the stratum (or cluster) at that stage, or a
    sampling fraction (values ≤ 1). ``replicate_weights``: columns of replicate weights (full
    weights, not multipliers) with ``replicate_type`` and optional ``scale``/``rscales``.
    ``lonely_psu``: what to do with a stratum that has one sampled cluster (``fail`` by default,
    ``adjust``, ``remove`` or ``certainty``, as R ``survey``'s ``survey.lonely.psu``).
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        weights: str | None = None,
        strata: str | None = None,
        clusters: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        *,
        replicate_weights: Sequence[str] | None = None,
        replicate_type: str = "JK1",
        scale: float | None = None,
        rscales: Sequence[float] | None = None,
        mse: bool = False,
        lonely_psu: str = "fail",
    ) -> None:
        self.data = frame.reset_index(drop=True)
        self.lonely_psu = lonely_psu
        self.calibrations: tuple[Calibration, ...] = ()
        self.replicates: np.ndarray | None = None
        self.rep_scale = 1.0
        self.rep_rscales: np.ndarray | None = None
        self.rep_type: str | None = None
        self.mse = mse
        self.spec = {
            "weights": weights,
            "strata": strata,
            "clusters": _as_list(clusters),
            "fpc": _as_list(fpc),
        }
        if lonely_psu not in LONELY_RULES:
            raise _error("lonely_psu", f"'{lonely_psu}' is not one of {', '.join(LONELY_RULES)}")
        self._check_columns(
            weights, strata, _as_list(clusters), _as_list(fpc), list(replicate_weights or [])
        )
        self.stages = self._build_stages(strata, _as_list(clusters), _as_list(fpc))
        self.weights = self._build_weights(weights)
        if replicate_weights:
            self._set_replicates(replicate_weights, replicate_type, scale, rscales)

    # ---------------------------------------------------------------- construction
    def _check_columns(self, weights, strata, clusters, fpc, reps) -> None:
        issues = []
        cols = list(self.data.columns)
        from ..model.errors import did_you_mean

        for role, names in (
            ("weights", [weights]),
            ("strata", [strata]),
            ("clusters", clusters),
            ("fpc", fpc),
            ("replicate_weights", reps),
        ):
            for name in names:
                if name is None:
                    continue
                if name not in cols:
                    issues.append(
                        Issue(role, f"no column '{name}' in the data{did_you_mean(name, cols)}")
                    )
                elif self.data[name].isna().any():
                    rows = np.flatnonzero(self.data[name].isna().to_numpy())[:5] + 1
                    issues.append(
                        Issue(
                            role,
                            f"column '{name}' has missing values (rows "
                            f"{', '.join(map(str, rows))}); a design variable must "
                            "be complete",
                        )
                    )
        for role, names in (("weights", [weights]), ("fpc", fpc), ("replicate_weights", reps)):
            for name in names:
                if name in cols and not self.data[name].isna().any():
                    values = pd.to_numeric(self.data[name], errors="coerce")
                    if values.isna().any() or (values < 0).any():
                        issues.append(
                            Issue(role, f"column '{name}' must hold non-negative numbers")
                        )
        if fpc and clusters and len(fpc) > len(clusters):
            issues.append(Issue("fpc", f"{len(fpc)} fpc columns for {len(clusters)} stages"))
        if issues:
            raise ModelError(issues)

    def _build_stages(self, strata, clusters, fpc) -> tuple[Stage, ...]:
        n = len(self.data)
        ids = clusters or [None]
        stages = []
        parent = np.zeros(n, dtype=int)
        for k, cid in enumerate(ids):
            s_col = self.data[strata].to_numpy() if (k == 0 and strata) else np.zeros(n)
            stratum = codes_of(parent, s_col)
            cl_col = self.data[cid].to_numpy() if cid is not None else np.arange(n)
            cluster = codes_of(stratum, cl_col)
            first = pd.Series(cluster).groupby(stratum).nunique()
            npsu = first.to_numpy()[stratum]
            if k < len(fpc):
                raw = pd.to_numeric(self.data[fpc[k]]).to_numpy(dtype=float)
                per = pd.Series(raw).groupby(stratum).nunique()
                if (per > 1).any():
                    raise _error(
                        f"fpc[{k}]",
                        f"column '{fpc[k]}' varies within a stratum at "
                        f"stage {k + 1}; it must be constant within each stratum",
                    )
                popsize = np.where(raw <= 1, npsu / np.where(raw == 0, np.nan, raw), raw)
                if np.isnan(popsize).any():
                    raise _error(f"fpc[{k}]", f"column '{fpc[k]}' has a zero sampling fraction")
                if (popsize < npsu - 1e-9).any():
                    raise _error(
                        f"fpc[{k}]",
                        f"column '{fpc[k]}': population size smaller than "
                        f"the number of clusters sampled at stage {k + 1}",
                    )
            else:
                popsize = np.full(n, np.inf)
            stages.append(Stage(stratum, cluster, npsu, popsize))
            parent = cluster
        return tuple(stages)

    def _build_weights(self, weights: str | None) -> np.ndarray:
        if weights is not None:
            return pd.to_numeric(self.data[weights]).to_numpy(dtype=float)
        w = np.ones(len(self.data))
        for st in self.stages:  # inverse selection probability at each stage with an fpc
            if np.isfinite(st.popsize).all():
                w = w * st.popsize / st.npsu
        return w

    def _set_replicates(self, columns, rtype, scale, rscales) -> None:
        if rtype not in REPLICATE_TYPES:
            raise _error("replicate_type", f"'{rtype}' is not one of {', '.join(REPLICATE_TYPES)}")
        reps = self.data[list(columns)].to_numpy(dtype=float)
        r = reps.shape[1]
        if scale is None:
            defaults = {
                "JK1": (r - 1) / r,
                "JKn": 1.0,
                "BRR": 1.0 / r,
                "bootstrap": 1.0 / (r - 1) if r > 1 else 1.0,
            }
            if rtype not in defaults:
                raise _error("scale", f"replicate type '{rtype}' needs an explicit scale")
            scale = defaults[rtype]
        self.replicates = reps
        self.rep_type = rtype
        self.rep_scale = float(scale)
        self.rep_rscales = np.ones(r) if rscales is None else np.asarray(rscales, dtype=float)
        if len(self.rep_rscales) != r:
            raise _error("rscales", f"{len(self.rep_rscales)} rscales for {r} replicates")

    def _copy(self) -> Design:
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        return new

    # ---------------------------------------------------------------- facts
    @property
    def n(self) -> int:
        return len(self.data)

    @property
    def is_replicate(self) -> bool:
        return self.replicates is not None

    @property
    def degf(self) -> int:
        """Design degrees of freedom: clusters minus strata at the first stage (R ``degf``)."""
        if self.is_replicate:
            return int(np.linalg.matrix_rank(self.replicates)) - 1
        st = self.stages[0]
        return int(len(np.unique(st.cluster)) - len(np.unique(st.stratum)))

    def describe(self) -> dict[str, Any]:
        st = self.stages[0]
        return {
            "respondents": self.n,
            "population": float(self.weights.sum()),
            "strata": len(np.unique(st.stratum)),
            "clusters": len(np.unique(st.cluster)),
            "stages": len(self.stages),
            "replicates": None if self.replicates is None else int(self.replicates.shape[1]),
            "replicate_type": self.rep_type,
            "calibrated": [c.kind for c in self.calibrations],
            "degrees_of_freedom": self.degf,
        }

    # ---------------------------------------------------------------- variance
    def variance(self, scores: np.ndarray) -> np.ndarray:
        """Linearisation variance of the column totals of weighted ``scores`` (n × p)."""
        try:
            return linearised_variance(scores, self.stages, self.calibrations, self.lonely_psu)
        except LonelyPSU as exc:
            raise _error("strata", str(exc)) from None

    def replicate_vcov(self, thetas: np.ndarray, full: np.ndarray) -> np.ndarray:
        return replicate_variance(thetas, full, self.rep_scale, self.rep_rscales, self.mse)

    # ---------------------------------------------------------------- estimation core
    def _column(self, variable: str) -> pd.Series:
        if variable not in self.data.columns:
            from ..model.errors import did_you_mean

            raise _error(
                variable,
                f"no variable '{variable}' in the data{did_you_mean(variable, self.data.columns)}",
            )
        return self.data[variable]

    def _matrix(self, variable: str) -> tuple[np.ndarray, list[Any], np.ndarray]:
        """(values n × p, level names or [None], rows observed) for a numeric or categorical."""
        col = self._column(variable)
        ok = col.notna().to_numpy()
        if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col):
            cats = (
                list(col.cat.categories)
                if isinstance(col.dtype, pd.CategoricalDtype)
                else sorted(col.dropna().unique(), key=str)
            )
            y = np.column_stack([(col == c).to_numpy(dtype=float) for c in cats])
            return y, cats, ok
        y = np.nan_to_num(col.to_numpy(dtype=float))[:, None]
        return y, [None], ok

    def _domains(self, by: str | Sequence[str] | None) -> list[tuple[dict, np.ndarray]]:
        if by is None:
            return [({}, np.ones(self.n, dtype=bool))]
        names = _as_list(by)
        cols = [self._column(b) for b in names]
        frame = pd.DataFrame({b: c for b, c in zip(names, cols, strict=True)})
        out = []
        for key, idx in frame.groupby(names, sort=True, observed=True).indices.items():
            key = key if isinstance(key, tuple) else (key,)
            mask = np.zeros(self.n, dtype=bool)
            mask[idx] = True
            out.append((dict(zip(names, key, strict=True)), mask))
        return out

    def _stat(
        self, kind: str, y: np.ndarray, x: np.ndarray | None, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(estimate p, vcov p × p, srs variance p) of mean/total/ratio over rows in ``mask``."""
        w = self.weights * mask
        wsum = w.sum()
        if wsum <= 0:
            nan = np.full(y.shape[1], np.nan)
            return nan, np.full((len(nan), len(nan)), np.nan), nan
        if kind == "total":
            est = w @ y
            scores = w[:, None] * y
        elif kind == "mean":
            est = (w @ y) / wsum
            scores = w[:, None] * (y - est) / wsum
        else:  # ratio y / x
            xtot = w @ x
            est = (w @ y) / xtot
            scores = w[:, None] * (y - est * x) / xtot
        if self.is_replicate:
            wr = self.replicates * mask[:, None]
            if kind == "total":
                thetas = wr.T @ y
            elif kind == "mean":
                thetas = (wr.T @ y) / wr.sum(axis=0)[:, None]
            else:
                thetas = (wr.T @ y) / (wr.T @ x)
            vcov = self.replicate_vcov(thetas, est)
        else:
            vcov = self.variance(scores)
        # variance under simple random sampling without replacement, for the design effect
        nobs = int((w != 0).sum())
        mean = (w @ y) / wsum
        svar = (w @ (y - mean) ** 2) / wsum * nobs / max(nobs - 1, 1)
        fpc = max(wsum - nobs, 0.0) / wsum
        if kind == "mean":
            vsrs = svar * fpc / nobs
        elif kind == "total":
            vsrs = svar * wsum**2 * fpc / nobs
        else:
            vsrs = np.full(y.shape[1], np.nan)
        return est, vcov, vsrs

    def _estimate(
        self,
        kind: str,
        variable: str,
        by,
        denominator: str | None = None,
        level: float = 0.95,
        na_rm: bool = True,
    ) -> Estimate | EstimateTable:
        y, levels, ok = self._matrix(variable)
        x = None
        if denominator is not None:
            xcol = self._column(denominator)
            x = np.nan_to_num(pd.to_numeric(xcol).to_numpy(dtype=float))[:, None]
            ok = ok & xcol.notna().to_numpy()
        if not na_rm and not ok.all():
            raise _error(variable, f"{int((~ok).sum())} missing values; pass na_rm=True")
        rows = []
        for domain, dmask in self._domains(by):
            mask = dmask & ok
            est, vcov, vsrs = self._stat(kind, y, x, mask)
            se = np.sqrt(np.clip(np.diag(vcov), 0, None))
            for j, lev in enumerate(levels):
                low, high = normal_interval(est[j], se[j], level)
                with np.errstate(divide="ignore", invalid="ignore"):
                    deff = float(vcov[j, j] / vsrs[j]) if vsrs[j] > 0 else float("nan")
                unweighted = int(mask.sum()) if lev is None else int((mask & (y[:, j] > 0)).sum())
                rows.append(
                    Estimate(
                        statistic=kind,
                        variable=variable,
                        value=float(est[j]),
                        se=float(se[j]),
                        low=low,
                        high=high,
                        level=level,
                        deff=deff,
                        n=int(mask.sum()),
                        count=unweighted,
                        category=lev,
                        domain=domain,
                        denominator=denominator,
                    )
                )
        if len(rows) == 1 and by is None:
            return rows[0]
        return EstimateTable(tuple(rows))

    # ---------------------------------------------------------------- public estimators
    def mean(
        self,
        variable: str,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        na_rm: bool = True,
    ) -> Estimate | EstimateTable:
        """Weighted mean of a numeric variable, or proportions in each category of a categorical
        one, overall or by domain; rows with the variable missing are left out (as domain)."""
        return self._estimate("mean", variable, by, level=level, na_rm=na_rm)

    def proportion(self, variable: str, by=None, *, level: float = 0.95) -> EstimateTable:
        """Proportion of the population in each category of ``variable``."""
        col = self._column(variable)
        if not isinstance(col.dtype, pd.CategoricalDtype):
            data = self.data.copy()
            data[variable] = col.astype("category")
            new = self._copy()
            new.data = data
            return new.proportion(variable, by, level=level)
        result = self._estimate("mean", variable, by, level=level)
        return result if isinstance(result, EstimateTable) else EstimateTable((result,))

    def total(
        self,
        variable: str,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        na_rm: bool = True,
    ) -> Estimate | EstimateTable:
        """Estimated population total of a variable (or count in each category)."""
        return self._estimate("total", variable, by, level=level, na_rm=na_rm)

    def ratio(
        self, numerator: str, denominator: str, by=None, *, level: float = 0.95
    ) -> Estimate | EstimateTable:
        """Ratio of two population totals, ``total(numerator) / total(denominator)``."""
        return self._estimate("ratio", numerator, by, denominator=denominator, level=level)

    def glm(self, formula: str, family: str = "gaussian", *, maxiter: int = 100):
        """Survey-weighted regression with design-based standard errors; see :mod:`.glm`."""
        from .glm import fit_glm

        return fit_glm(self, formula, family=family, maxiter=maxiter)

    def subset(self, mask: np.ndarray | pd.Series) -> Design:
        """The same design restricted to a domain: other rows keep their place with weight 0,
        so standard errors stay those of a domain estimate."""
        mask = np.asarray(mask, dtype=bool)
        new = self._copy()
        new.weights = self.weights * mask
        if self.replicates is not None:
            new.replicates = self.replicates * mask[:, None]
        return new

    # ---------------------------------------------------------------- calibration
    def _cells(self, variables: Sequence[str]) -> tuple[np.ndarray, list[tuple]]:
        frame = pd.DataFrame({v: self._column(v) for v in variables})
        if frame.isna().any().any():
            bad = [v for v in variables if frame[v].isna().any()]
            raise _error(
                bad[0],
                f"'{bad[0]}' has missing values; calibration needs every respondent in a cell",
            )
        keys = pd.MultiIndex.from_frame(frame.astype(object))
        uniq = sorted(set(keys), key=lambda k: tuple(map(str, k)))
        index = {k: i for i, k in enumerate(uniq)}
        return np.array([index[k] for k in keys]), uniq

    @staticmethod
    def _population(variables: Sequence[str], counts) -> dict[tuple, float]:
        """Population counts as {cell tuple: N} from a mapping, Series or frame with Freq."""
        if isinstance(counts, pd.DataFrame):
            freq = "Freq" if "Freq" in counts.columns else counts.columns[-1]
            return {tuple(r[v] for v in variables): float(r[freq]) for _, r in counts.iterrows()}
        if isinstance(counts, pd.Series):
            counts = counts.to_dict()
        out = {}
        for k, v in dict(counts).items():
            out[k if isinstance(k, tuple) else (k,)] = float(v)
        return out

    def _poststratify_weights(self, variables, counts, weights, partial=False):
        codes, cells = self._cells(variables)
        pop = self._population(variables, counts)
        popkeys = {tuple(map(str, k)): v for k, v in pop.items()}
        sample = np.bincount(codes, weights=weights, minlength=len(cells))
        factor = np.ones(len(cells))
        issues = []
        for i, cell in enumerate(cells):
            n_pop = pop.get(cell, popkeys.get(tuple(map(str, cell))))
            if n_pop is None:
                issues.append(
                    Issue(".".join(variables), f"sample cell {cell} has no population count")
                )
                continue
            if sample[i] > 0:
                factor[i] = n_pop / sample[i]
        present = {tuple(map(str, c)) for c in cells}
        missing = [k for k in popkeys if k not in present and popkeys[k] > 0]
        if missing and not partial:
            issues.append(
                Issue(
                    ".".join(variables),
                    f"population cell(s) {missing[:3]} have no "
                    "respondents; merge cells or pass partial=True",
                )
            )
        if issues:
            raise ModelError(issues)
        return codes, weights * factor[codes]

    def poststratify(
        self, variables: str | Sequence[str], counts, *, partial: bool = False
    ) -> Design:
        """Weights scaled so that weighted counts in each cell of ``variables`` equal the
        population ``counts``; standard errors then account for the calibration."""
        variables = _as_list(variables)
        new = self._copy()
        codes, w = self._poststratify_weights(variables, counts, self.weights, partial)
        new.weights = w
        if self.replicates is not None:
            new.replicates = np.column_stack(
                [
                    self._poststratify_weights(variables, counts, self.replicates[:, r], partial)[1]
                    for r in range(self.replicates.shape[1])
                ]
            )
        new.calibrations = (
            *self.calibrations,
            Calibration("poststratify", (codes,), (w,), self.weights),
        )
        return new

    def rake(
        self, margins: Mapping[str | tuple[str, ...], Any], *, maxit: int = 10, epsilon: float = 1.0
    ) -> Design:
        """Iterative proportional fitting of the weights to each margin in turn (R ``rake``):
        stops when no cell of the joint table moves by ``epsilon`` or more (a fraction of the
        total when below 1) or after ``maxit`` sweeps."""
        specs = [(_as_list(list(k) if isinstance(k, tuple) else k), v) for k, v in margins.items()]
        allvars = [v for vs, _ in specs for v in vs]
        joint, _ = self._cells(list(dict.fromkeys(allvars)))
        eps = epsilon * self.weights.sum() if epsilon < 1 else epsilon

        def rake_one(w: np.ndarray) -> tuple[np.ndarray, list, list, bool]:
            old = np.bincount(joint, weights=w)
            converged = False
            for _ in range(maxit):
                codes_used, weights_after = [], []
                for vs, counts in specs:
                    codes, w = self._poststratify_weights(vs, counts, w)
                    codes_used.append(codes)
                    weights_after.append(w)
                new = np.bincount(joint, weights=w, minlength=len(old))
                if np.max(np.abs(old - new)) < eps:
                    converged = True
                    break
                old = new
            return w, codes_used, weights_after, converged

        w, codes_used, weights_after, converged = rake_one(self.weights)
        new = self._copy()
        new.weights = w
        new.rake_converged = converged
        if self.replicates is not None:
            new.replicates = np.column_stack(
                [rake_one(self.replicates[:, r])[0] for r in range(self.replicates.shape[1])]
            )
        new.calibrations = (
            *self.calibrations,
            Calibration("rake", tuple(codes_used), tuple(weights_after)),
        )
        return new

    # ---------------------------------------------------------------- replicate designs
    def as_replicate(
        self,
        type: str = "JK1",
        *,
        replicates: int = 50,
        seed: int | np.random.Generator | None = None,
    ) -> Design:
        """Replicate-weight version of a linearisation design (R ``as.svrepdesign``).

        ``JK1`` (unstratified delete-one-cluster jackknife), ``JKn`` (stratified) or
        ``bootstrap`` (Rao–Wu rescaled bootstrap of first-stage clusters, ``replicates``
        resamples drawn with ``seed``). First-stage finite population corrections are kept.
        """
        st = self.stages[0]
        psu = st.cluster
        upsu, first = np.unique(psu, return_index=True)
        strat_of = st.stratum[first]
        n_strata = len(np.unique(strat_of))
        pop = st.popsize[first]
        if type == "JK1":
            if n_strata > 1:
                raise _error("type", "JK1 is for unstratified designs; use JKn")
            n = len(upsu)
            f = (pop[0] - n) / pop[0] if np.isfinite(pop[0]) else 1.0
            mult = (psu[:, None] != upsu[None, :]) * n / (n - 1)
            scale, rscales = f * (n - 1) / n, np.ones(n)
        elif type == "JKn":
            cols, rscales = [], []
            for h in np.unique(strat_of):
                members = upsu[strat_of == h]
                nh = len(members)
                fh = (
                    (pop[strat_of == h][0] - nh) / pop[strat_of == h][0]
                    if np.isfinite(pop[strat_of == h][0])
                    else 1.0
                )
                if nh == 1:
                    if fh > 0 and self.lonely_psu == "fail":
                        raise _error("strata", "a stratum has only one PSU; JKn cannot drop it")
                    continue
                in_h = np.isin(psu, members)
                for j in members:
                    m = np.ones(self.n)
                    m[in_h] = nh / (nh - 1)
                    m[psu == j] = 0.0
                    cols.append(m)
                    rscales.append(fh * (nh - 1) / nh)
            mult, scale, rscales = np.column_stack(cols), 1.0, np.array(rscales)
        elif type == "bootstrap":
            rng = np.random.default_rng(seed)
            mult_psu = np.zeros((len(upsu), replicates))
            for h in np.unique(strat_of):
                where = np.flatnonzero(strat_of == h)
                nh = len(where)
                if nh < 2:
                    mult_psu[where] = 1.0
                    continue
                draws = rng.integers(0, nh, size=(replicates, nh - 1))
                counts = np.stack([np.bincount(d, minlength=nh) for d in draws], axis=1)
                mult_psu[where] = counts * nh / (nh - 1)
            mult = mult_psu[np.searchsorted(upsu, psu)]
            scale, rscales = 1.0 / (replicates - 1), np.ones(replicates)
        else:
            raise _error("type", f"'{type}' is not one of JK1, JKn, bootstrap")
        new = self._copy()
        new.replicates = self.weights[:, None] * mult
        new.rep_type = type
        new.rep_scale = float(scale)
        new.rep_rscales = np.asarray(rscales, dtype=float)
        return new

"""A survey file checked against its codebook and made ready for analysis.

:func:`prepare` validates every declared column and code against the data (all problems in one
pass, each naming the codebook field and line, the column, the offending codes and the first
rows holding them), then recodes: missing codes become missing, categorical covariates become
labelled categories, and each item yields its score and a 0/1 "takes part" indicator. Indices
per sector and type are added (see :mod:`.measures`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..model.errors import Issue, ModelError, did_you_mean
from ..model.files import format_of, line_of
from .codebook import Codebook, Covariate, Scale, codebook_lines
from .design import Design
from .readers import SurveyFile


@dataclass(frozen=True)
class PreparedSurvey:
    """Recoded survey: ``data`` holds, per item, ``{item}`` (the score), ``{item}__label``
    (ordered category) and ``{item}__any`` (1 if taking part); covariates as numbers or labelled
    categories; and the indices of :func:`coproduce.survey.measures.add_indices`."""

    codebook: Codebook
    data: pd.DataFrame
    file: str | None
    labels: dict[str, dict]

    @property
    def country(self) -> str | None:
        return self.codebook.design.country

    @property
    def area(self) -> str | None:
        return self.codebook.design.area

    def design(self, *, calibrate: bool = True) -> Design:
        """The sampling design declared in the codebook, calibrated to its margins."""
        spec = self.codebook.design
        reps = None
        if spec.replicate_weights is not None:
            rw = spec.replicate_weights
            reps = rw.columns or [c for c in self.data.columns if str(c).startswith(rw.prefix)]
        weights = spec.weight
        if weights is None and not spec.fpc:
            weights = "__weight"
            self.data["__weight"] = 1.0
        design = Design(
            self.data,
            weights=weights,
            strata=spec.strata,
            clusters=spec.clusters or None,
            fpc=spec.fpc or None,
            replicate_weights=reps,
            replicate_type=spec.replicate_weights.type if reps else "JK1",
            scale=spec.replicate_weights.scale if reps else None,
            rscales=spec.replicate_weights.rscales if reps else None,
            mse=spec.replicate_weights.mse if reps else False,
            lonely_psu=spec.lonely_psu,
        )
        margins = self.codebook.margins
        if calibrate and margins is not None:
            design = calibrate_design(design, margins.method, margins.within, margins.variables)
        return design


def calibrate_design(
    design: Design, method: str, within: str | None, variables: dict[str, dict[str, Any]]
) -> Design:
    """Rake or post-stratify ``design`` to population counts, optionally within groups."""
    specs = {}
    for var, counts in variables.items():
        if within:
            flat = {(str(g), str(c)): float(n) for g, cs in counts.items() for c, n in cs.items()}
            specs[(within, var)] = flat
        else:
            specs[var] = {str(c): float(n) for c, n in counts.items()}
    # match the margins' labels as text, on a copy so the prepared data keep their categories
    data = design.data.copy()
    for key in specs:
        for v in key if isinstance(key, tuple) else (key,):
            data[v] = (
                data[v]
                .astype(object)
                .where(data[v].notna())
                .map(lambda x: x if pd.isna(x) else str(x))
            )
    original = design.data
    design = design._copy()
    design.data = data
    if method == "poststratify" and len(specs) == 1:
        key, counts = next(iter(specs.items()))
        result = design.poststratify(list(key) if isinstance(key, tuple) else key, counts)
    else:
        result = design.rake(specs)
    result.data = original  # the calibration codes are kept inside the design
    return result


def _where(text_lines, path: tuple) -> int | None:
    return line_of(text_lines, path) if text_lines else None


def _rows(mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)[:3] + 2  # +1 for 1-based, +1 for the header row
    more = "" if mask.sum() <= 3 else f" and {int(mask.sum()) - 3} more"
    return ", ".join(map(str, idx)) + more


def _decode(series: pd.Series, codes: dict, labels_in_file: dict | None) -> pd.Series:
    """Map labels written out in full ('regularly') back to their codes; numbers stay."""
    by_label = {str(v).strip().lower(): k for k, v in codes.items()}
    if labels_in_file:
        by_label.update({str(v).strip().lower(): k for k, v in labels_in_file.items()})

    def one(v):
        if pd.isna(v):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str):
            s = v.strip()
            if s.lower() in by_label:
                return by_label[s.lower()]
            try:
                f = float(s)
                return int(f) if f.is_integer() else f
            except ValueError:
                return s
        return v

    return series.map(one)


def prepare(
    codebook: Codebook, survey: SurveyFile, *, codebook_file: str | None = None
) -> PreparedSurvey:
    """Validate ``survey`` against ``codebook`` and recode it; raise every problem at once."""
    lines = functools.cache(lambda: codebook_lines(codebook_file))  # read at the first issue
    frame = survey.frame
    cols = list(frame.columns)
    issues: list[Issue] = []
    out = pd.DataFrame(index=frame.index)

    def issue(path: tuple, message: str) -> None:
        from ..model.errors import format_path

        issues.append(
            Issue(format_path(path), message, line=_where(lines(), path), file=codebook_file)
        )

    def column(path: tuple, name: str) -> pd.Series | None:
        if name not in cols:
            issue(
                path,
                f"column '{name}' is not in the data file {survey.file or ''}"
                f"{did_you_mean(name, cols)}".replace(" ''", ""),
            )
            return None
        return frame[name]

    # items
    for name, item in codebook.items.items():
        col = column(("items", name), codebook.column_of(name))
        scale: Scale | None = codebook.scales.get(item.scale)
        if col is None or scale is None:
            continue
        values = _decode(col, scale.codes, survey.labels.get(codebook.column_of(name)))
        known = set(scale.codes) | set(scale.missing)
        bad = values.notna() & ~values.isin(list(known))
        if bad.any():
            found = sorted({str(v) for v in values[bad]})[:5]
            issue(
                ("items", name),
                f"column '{codebook.column_of(name)}' has code(s) "
                f"{', '.join(found)} not in scale '{item.scale}' (valid "
                f"{', '.join(map(str, scale.codes))}; missing "
                f"{', '.join(map(str, scale.missing)) or 'none'}) at data row(s) "
                f"{_rows(bad.to_numpy())}",
            )
            continue
        valid = values.where(values.isin(list(scale.codes)))
        scores = scale.score_of()
        out[name] = valid.map(scores).astype(float)
        out[f"{name}__label"] = pd.Categorical(
            valid.map(scale.codes), categories=list(scale.codes.values()), ordered=True
        )
        part = valid.isin(scale.taking_part()).astype(float)
        out[f"{name}__any"] = part.where(valid.notna())

    # covariates
    for name, cov in codebook.covariates.items():
        col = column(("covariates", name), codebook.column_of(name))
        if col is None:
            continue
        recoded = _covariate(name, cov, col, survey.labels.get(codebook.column_of(name)), issue)
        if recoded is not None:
            out[name] = recoded

    # design columns (checked by Design too; here with codebook lines)
    spec = codebook.design
    for key in ("weight", "strata", "country", "area"):
        name = getattr(spec, key)
        if name and name not in out.columns:
            col = column(("design", key), name)
            if col is not None:
                out[name] = col
    for key in ("clusters", "fpc"):
        for i, name in enumerate(getattr(spec, key)):
            col = column(("design", key, i), name)
            if col is not None:
                out[name] = col
    if spec.weight and spec.weight in cols:
        w = pd.to_numeric(frame[spec.weight], errors="coerce")
        bad = w.isna() | (w < 0)
        if bad.any():
            issue(
                ("design", "weight"),
                f"column '{spec.weight}' must hold non-negative numbers;"
                f" bad at data row(s) {_rows(bad.to_numpy())}",
            )
    if spec.replicate_weights is not None:
        rw = spec.replicate_weights
        names = rw.columns or [c for c in cols if str(c).startswith(rw.prefix or "\0")]
        if not names:
            issue(("design", "replicate_weights", "prefix"), f"no column starts with '{rw.prefix}'")
        for i, name in enumerate(names):
            col = column(("design", "replicate_weights", "columns", i), name)
            if col is not None:
                out[name] = pd.to_numeric(col, errors="coerce")
    if issues:
        if codebook_file and format_of(codebook_file) == "xlsx":
            # a workbook codebook: say which sheet and row the field is on
            from ..model.errors import place_issue
            from .codebook_xlsx import read_codebook_xlsx

            places = read_codebook_xlsx(codebook_file)[1]
            issues = [place_issue(i, places, codebook_file) for i in issues]
        raise ModelError(issues)
    from .measures import add_indices

    out = add_indices(codebook, out)
    return PreparedSurvey(codebook=codebook, data=out, file=survey.file, labels=survey.labels)


def _covariate(
    name: str, cov: Covariate, col: pd.Series, file_labels: dict | None, issue
) -> pd.Series | None:
    path = ("covariates", name)
    missing = cov.missing_codes()
    if cov.type == "numeric":
        values = pd.to_numeric(col.where(~col.isin(missing)), errors="coerce")
        bad = values.isna() & col.notna() & ~col.isin(missing)
        if bad.any():
            issue(
                path,
                f"column '{col.name}' should be numeric; non-numbers at data row(s) "
                f"{_rows(bad.to_numpy())}",
            )
            return None
        for bound, op in (("min", values.lt), ("max", values.gt)):
            limit = getattr(cov, bound)
            if limit is not None:
                out = op(limit) & values.notna()
                if out.any():
                    issue(
                        (*path, bound),
                        f"column '{col.name}' has values outside {bound} "
                        f"{limit:g} at data row(s) {_rows(out.to_numpy())}",
                    )
                    return None
        return values.astype(float)
    codes = dict(cov.codes or file_labels or {})
    if not codes:
        # no codes given or carried by the file: the distinct values are the categories
        values = col.where(~col.isin(missing))
        cats = sorted(values.dropna().unique(), key=lambda v: (str(type(v)), v))
        codes = {c: str(c) for c in cats}
    values = _decode(col, codes, file_labels)
    known = set(codes) | set(missing)
    bad = values.notna() & ~values.isin(list(known))
    if bad.any():
        found = sorted({str(v) for v in values[bad]})[:5]
        issue(
            path,
            f"column '{col.name}' has code(s) {', '.join(found)} not among "
            f"{', '.join(map(str, codes))} (or missing codes) at data row(s) "
            f"{_rows(bad.to_numpy())}",
        )
        return None
    labels = values.where(values.isin(list(codes))).map(codes)
    order = list(dict.fromkeys(codes.values()))
    if cov.reference is not None:
        ref = codes[cov.reference]
        order = [ref, *[c for c in order if c != ref]]
    return pd.Series(
        pd.Categorical(labels, categories=order, ordered=cov.type == "ordinal"), index=col.index
    )

"""The codebook as a workbook: one sheet per section of the YAML codebook, read and written.

Sheets (first row the headers, one row per entry; a ``README`` sheet is ignored on reading):

* ``codebook`` — ``field``, ``value``: ``codebook`` (1), ``title``, ``synthetic`` (yes/no),
  ``source``, ``notes``, ``data``, ``index``, ``min_cell``, and ``margins.method``,
  ``margins.within``, ``margins.source``;
* ``sectors`` — ``sector``, ``label``;
* ``scales`` — one row per code: ``scale``, ``code``, ``label``, ``score``, ``participating``
  (yes/no; all blank: the default, every code above the lowest), ``missing`` (yes: a missing
  code such as don't know), ``question`` (the stem, on any one row of the scale);
* ``items`` — ``item``, ``text``, ``sector``, ``type``, ``form``, ``scale``, ``column``,
  ``label``;
* ``covariates`` — ``covariate``, ``type``, ``label``, ``column``, ``min``, ``max``,
  ``reference``;
* ``covariate_codes`` — ``covariate``, ``code``, ``label``, ``missing`` (yes/no);
* ``design`` — ``field``, ``value``: ``weight``, ``strata``, ``clusters`` and ``fpc`` (comma-
  separated, first stage first), ``country``, ``area``, ``lonely_psu``,
  ``replicate_weights.columns`` (comma-separated), ``.prefix``, ``.type``, ``.scale``,
  ``.rscales`` (comma-separated), ``.mse``;
* ``margins`` — ``variable``, ``group`` (a value of ``margins.within``, or blank), ``category``,
  ``count``.

Reading builds the same mapping a YAML codebook holds and validates it with the same code, so
every rule applies; each problem is reported with its sheet and row. A workbook is read within
the bounds of the model workbook (:func:`coproduce.model.xlsx.read_sheets`: rows a sheet, cells
and unzipped size counted before it is opened). Text that a spreadsheet could take for a
formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first) is written as text, and read
back as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model.errors import Issue, ModelError, did_you_mean

COLUMNS: dict[str, list[str]] = {
    "codebook": ["field", "value"],
    "sectors": ["sector", "label"],
    "scales": ["scale", "code", "label", "score", "participating", "missing", "question"],
    "items": ["item", "text", "sector", "type", "form", "scale", "column", "label"],
    "covariates": ["covariate", "type", "label", "column", "min", "max", "reference"],
    "covariate_codes": ["covariate", "code", "label", "missing"],
    "design": ["field", "value"],
    "margins": ["variable", "group", "category", "count"],
}
IGNORED_SHEETS = ("readme", "about")
_LISTS = {"clusters", "fpc", "replicate_weights.columns", "replicate_weights.rscales"}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

README = [
    ["Survey codebook workbook (coproduce, codebook format 1)"],
    [""],
    [
        "Each sheet is one section of the YAML codebook described in docs/survey.md; the first row "
        "holds the column names, then one row per entry. Leave a cell blank for 'not given'."
    ],
    [
        "codebook",
        "field / value: codebook (always 1), title, synthetic (yes/no), source, notes, "
        "data, index (mean or sum), min_cell, margins.method, margins.within, margins.source",
    ],
    [
        "sectors",
        "sector / label: the sectors items belong to (default safety, environment, health)",
    ],
    [
        "scales",
        "one row per answer code: scale, code, label, score (number used in indices), "
        "participating (yes/no: counts as taking part), missing (yes: a don't-know or refused "
        "code), question (the stem, once per scale)",
    ],
    [
        "items",
        "item (name), text (wording), sector, type (individual/collective), form "
        "(co-commissioning, co-design, co-delivery, co-assessment), scale, column (data column if "
        "not the item name), label",
    ],
    [
        "covariates",
        "covariate, type (numeric, categorical, ordinal, binary), label, column, "
        "min, max, reference (reference code in models)",
    ],
    [
        "covariate_codes",
        "one row per code of a covariate: covariate, code, label, missing (yes/no)",
    ],
    [
        "design",
        "field / value: weight, strata, clusters, fpc (comma-separated, first stage "
        "first), country, area, lonely_psu, replicate_weights.columns / .prefix / .type / .scale "
        "/ .rscales / .mse",
    ],
    [
        "margins",
        "population counts for calibration: variable (a covariate), group (a value of "
        "margins.within, or blank), category (a label of the covariate), count; give every "
        "category",
    ],
    [""],
    ["Check a filled-in workbook with: coproduce survey describe DATA --codebook THIS.xlsx"],
]

TEMPLATE: dict[str, Any] = {
    "codebook": 1,
    "title": "Citizens' panel: what residents do for their area",
    "data": "panel.csv",
    "index": "mean",
    "min_cell": 10,
    "sectors": {"safety": "Public safety"},
    "scales": {
        "frequency": {
            "label": "How often do you do this?",
            "codes": {1: "never", 2: "occasionally", 3: "regularly"},
            "scores": {1: 0, 2: 1, 3: 2},
            "participating": [2, 3],
            "missing": {9: "don't know"},
        }
    },
    "items": {
        "safety_report": {
            "text": "Tell the police or the council when you see a crime or something suspicious.",
            "sector": "safety",
            "type": "individual",
            "form": "co-delivery",
            "scale": "frequency",
        }
    },
    "covariates": {
        "age_band": {
            "type": "categorical",
            "label": "Age band",
            "codes": {1: "18-34", 2: "35-54", 3: "55-74", 4: "75+"},
        }
    },
    "design": {"weight": "weight"},
    "margins": {
        "method": "rake",
        "source": "Census 2021 adults by age band (replace)",
        "variables": {"age_band": {"18-34": 30000, "35-54": 35000, "55-74": 28000, "75+": 9000}},
    },
}


# ----------------------------------------------------------------------------- writing
def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return _yes(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def codebook_rows(data: dict) -> dict[str, list[list]]:
    """The rows of each sheet for codebook data (a validated codebook's ``to_dict()``)."""
    rows: dict[str, list[list]] = {name: [] for name in COLUMNS}
    for field in ("codebook", "title", "synthetic", "source", "notes", "data", "index", "min_cell"):
        if field in data:
            rows["codebook"].append([field, _cell(data[field])])
    margins = data.get("margins") or {}
    for field in ("method", "within", "source"):
        if margins.get(field) is not None:
            rows["codebook"].append([f"margins.{field}", margins[field]])
    for sid, label in data.get("sectors", {}).items():
        rows["sectors"].append([sid, label])
    for name, scale in data.get("scales", {}).items():
        scores = scale.get("scores") or {}
        # JSON-mode data has string keys but numeric lists: compare codes as text
        scores = {str(k): v for k, v in scores.items()}
        part = (
            None if scale.get("participating") is None else {str(c) for c in scale["participating"]}
        )
        question = scale.get("label")
        for code, label in scale["codes"].items():
            rows["scales"].append(
                [
                    name,
                    _code(code),
                    label,
                    scores.get(str(code)),
                    None if part is None else _yes(str(code) in part),
                    None,
                    question,
                ]
            )
            question = None
        for code, label in (scale.get("missing") or {}).items():
            rows["scales"].append([name, _code(code), label, None, None, "yes", None])
    for name, item in data.get("items", {}).items():
        rows["items"].append([name] + [item.get(c) for c in COLUMNS["items"][1:]])
    for name, cov in data.get("covariates", {}).items():
        rows["covariates"].append([name] + [cov.get(c) for c in COLUMNS["covariates"][1:]])
        for code, label in (cov.get("codes") or {}).items():
            rows["covariate_codes"].append([name, _code(code), label, "no"])
        missing = cov.get("missing") or {}
        for code in missing:
            label = missing[code] if isinstance(missing, dict) else None
            rows["covariate_codes"].append([name, _code(code), label, "yes"])
    design = data.get("design") or {}
    for field in ("weight", "strata", "clusters", "fpc", "country", "area", "lonely_psu"):
        if design.get(field) not in (None, []):
            rows["design"].append([field, _cell(design[field])])
    for field, value in (design.get("replicate_weights") or {}).items():
        rows["design"].append([f"replicate_weights.{field}", _cell(value)])
    within = margins.get("within")
    for var, counts in (margins.get("variables") or {}).items():
        groups = counts.items() if within else [(None, counts)]
        for group, cats in groups:
            for cat, n in cats.items():
                rows["margins"].append([var, group, cat, n])
    return rows


def _clean(value: Any) -> Any:
    """A value ``Worksheet.append`` takes: text without the control characters a workbook
    cannot hold."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_codebook_xlsx(data: dict, path: str | Path, *, readme: bool = True) -> None:
    """Write codebook data as a workbook that :func:`read_codebook_xlsx` reads back equal."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..model.xlsx import text_sheet

    wb = Workbook()
    wb.remove(wb.active)
    if readme:
        ws = wb.create_sheet("README")
        for row in README:
            ws.append(row)
        ws["A1"].font = Font(bold=True, size=13)
        ws.column_dimensions["A"].width = 18
        ws.column_dimensions["B"].width = 120
    for name, rows in codebook_rows(data).items():
        ws = wb.create_sheet(name)
        ws.append(COLUMNS[name])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_clean(v) for v in row])
        text_sheet(ws)
        for i, col in enumerate(COLUMNS[name]):
            width = max([len(col)] + [len(str(r[i])) for r in rows if r[i] is not None])
            ws.column_dimensions[chr(ord("A") + i)].width = min(max(width + 2, 10), 70)
        ws.freeze_panes = "A2"
    wb.save(path)


# ----------------------------------------------------------------------------- reading
class _Reader:
    """Turns the sheets into codebook data, noting where each field came from."""

    def __init__(self, file: str):
        self.file = file
        self.issues: list[Issue] = []
        self.places: dict[str, str] = {}

    def problem(self, where: str, message: str, path: str = "") -> None:
        self.issues.append(Issue(path, message, file=f"{self.file} [{where}]"))

    def place(self, path: str, sheet: str, row: int) -> None:
        self.places.setdefault(path, f"sheet '{sheet}', row {row}")


def _code(value: Any) -> Any:
    """A code as YAML would hold it: integral numbers (and digit strings) as int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit() and str(int(text)) == text:
            return int(text)
        return text
    return value


def _flag(r: _Reader, value: Any, where: str, column: str) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    if isinstance(value, bool):
        return value
    if text in _YES:
        return True
    if text in _NO:
        return False if text else None
    r.problem(where, f"{column} '{value}' must be yes or no")
    return None


def _split(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (int, float)):
        return [value]
    return [_code(v) for v in str(value).split(",") if v.strip()]


def _sheet_rows(r: _Reader, book: dict[str, list[tuple]]) -> dict[str, list[tuple[int, dict]]]:
    """Each known sheet's rows as ``(row number, {column: value})``, blank rows skipped."""
    out: dict[str, list[tuple[int, dict]]] = {}
    for title, rows in book.items():
        name = title.strip()
        if name.lower() in IGNORED_SHEETS:
            continue
        if name not in COLUMNS:
            r.problem(
                f"sheet '{title}'",
                f"unknown sheet '{title}'"
                f"{did_you_mean(name, COLUMNS)}; sheets: {', '.join(COLUMNS)}",
            )
            continue
        if not rows:
            out[name] = []
            continue
        header = [str(h).strip().lower() if h is not None else "" for h in rows[0]]
        known = COLUMNS[name]
        bad = False
        for i, h in enumerate(header):
            if h and h not in known:
                r.problem(
                    f"sheet '{name}', row 1",
                    f"unknown column '{h}' (column "
                    f"{i + 1}){did_you_mean(h, known)}; columns: {', '.join(known)}",
                )
                bad = True
        if known[0] not in header:
            r.problem(
                f"sheet '{name}', row 1",
                f"the first row must name the columns; "
                f"'{known[0]}' is missing (columns: {', '.join(known)})",
            )
            bad = True
        if bad:
            continue
        entries = []
        for n, values in enumerate(rows[1:], start=2):
            row = {
                h: (v.strip() if isinstance(v, str) else v)
                for h, v in zip(header, values, strict=False)
                if h
            }
            row = {h: (None if v == "" else v) for h, v in row.items()}
            if all(v is None for v in row.values()):
                continue
            if row.get(known[0]) is None:
                r.problem(f"sheet '{name}', row {n}", f"'{known[0]}' is empty")
                continue
            entries.append((n, row))
        out[name] = entries
    return out


def _settings(r: _Reader, rows, sheet: str, into: dict, prefix: str) -> None:
    seen: dict[str, int] = {}
    for n, row in rows:
        field = str(row["field"])
        if field in seen:
            r.problem(
                f"sheet '{sheet}', row {n}",
                f"'{field}' is given twice (rows {seen[field]} and {n})",
            )
            continue
        seen[field] = n
        value = row.get("value")
        if field in _LISTS:
            value = _split(value)
            if field.endswith("rscales"):
                value = [float(v) if isinstance(v, (int, float)) else v for v in value]
        elif field in ("synthetic", "replicate_weights.mse"):
            value = _flag(r, value, f"sheet '{sheet}', row {n}", field)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        node = into
        parts = field.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
        r.place(f"{prefix}{field}", sheet, n)


def read_codebook_xlsx(path: str | Path) -> tuple[dict, dict[str, str], list[Issue]]:
    """Codebook data from a workbook, where each field came from (``path → "sheet 'x', row
    n"``), and the problems found in the sheets themselves."""
    from ..model.xlsx import read_sheets

    r = _Reader(str(path))
    try:
        found = Path(path).is_file()
    except OSError:
        found = False
    if not found:
        raise ModelError([Issue("", f"file not found: {path}")])
    # within the model workbook's bounds: rows, cells and size counted before it is opened
    # (TooLarge); a file that is no workbook is a ModelError saying so
    book = read_sheets(path, file=str(path))
    sheets = _sheet_rows(r, book)
    data: dict[str, Any] = {}
    margins: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    _settings(r, sheets.get("codebook", []), "codebook", settings, "")
    margins.update(settings.pop("margins", {}) or {})
    data.update(settings)
    if "sectors" in sheets:
        data["sectors"] = {}
        for n, row in sheets["sectors"]:
            data["sectors"][str(row["sector"])] = row.get("label")
            r.place(f"sectors.{row['sector']}", "sectors", n)
    _read_scales(r, sheets.get("scales", []), data)
    for key, sheet in (("items", "items"), ("covariates", "covariates")):
        entries: dict[str, dict] = {}
        for n, row in sheets.get(sheet, []):
            name = str(row[COLUMNS[sheet][0]])
            if name in entries:
                r.problem(f"sheet '{sheet}', row {n}", f"'{name}' is given twice")
                continue
            fields = {c: row.get(c) for c in COLUMNS[sheet][1:] if row.get(c) is not None}
            if "reference" in fields:
                fields["reference"] = _code(fields["reference"])
            entries[name] = fields
            r.place(f"{key}.{name}", sheet, n)
        if entries or sheet in sheets:
            data[key] = entries
    _read_covariate_codes(r, sheets.get("covariate_codes", []), data.get("covariates", {}))
    if "design" in sheets:
        data["design"] = {}
        _settings(r, sheets["design"], "design", data["design"], "design.")
    _read_margins(r, sheets.get("margins", []), margins)
    if margins:
        data["margins"] = margins
    return data, r.places, r.issues


def _read_scales(r: _Reader, rows, data: dict) -> None:
    scales: dict[str, dict] = {}
    for n, row in rows:
        name = str(row["scale"])
        where = f"sheet 'scales', row {n}"
        scale = scales.setdefault(name, {"codes": {}})
        r.place(f"scales.{name}", "scales", n)
        if row.get("question") is not None:
            if scale.get("label") not in (None, row["question"]):
                r.problem(where, f"scale '{name}' has two different questions")
            scale["label"] = row["question"]
        code = _code(row.get("code"))
        if code is None:
            r.problem(where, f"scale '{name}': the code is empty")
            continue
        if code in scale["codes"] or code in scale.get("missing", {}):
            r.problem(where, f"scale '{name}': code {code!r} is given twice")
            continue
        label = row.get("label")
        if _flag(r, row.get("missing"), where, "missing"):
            scale.setdefault("missing", {})[code] = label
            continue
        scale["codes"][code] = label
        if row.get("score") is not None:
            if not isinstance(row["score"], (int, float)) or isinstance(row["score"], bool):
                r.problem(where, f"score '{row['score']}' must be a number")
            else:
                scale.setdefault("scores", {})[code] = row["score"]
        part = _flag(r, row.get("participating"), where, "participating")
        if part is not None:
            scale.setdefault("participating", [])
            if part:
                scale["participating"].append(code)
    for name, scale in scales.items():
        unscored = [c for c in scale["codes"] if c not in scale.get("scores", {})]
        if scale.get("scores") and unscored:
            r.problem(
                r.places[f"scales.{name}"],
                f"scale '{name}': give a score for every "
                f"code or for none (no score for {unscored})",
            )
    if scales or rows:
        data["scales"] = scales


def _read_covariate_codes(r: _Reader, rows, covariates: dict) -> None:
    for n, row in rows:
        name = str(row["covariate"])
        where = f"sheet 'covariate_codes', row {n}"
        if name not in covariates:
            r.problem(
                where, f"'{name}' is not on the covariates sheet{did_you_mean(name, covariates)}"
            )
            continue
        code = _code(row.get("code"))
        if code is None:
            r.problem(where, f"covariate '{name}': the code is empty")
            continue
        cov = covariates[name]
        if _flag(r, row.get("missing"), where, "missing"):
            cov.setdefault("missing", {})[code] = row.get("label") or str(code)
        else:
            if row.get("label") is None:
                r.problem(where, f"covariate '{name}': code {code!r} needs a label")
                continue
            cov.setdefault("codes", {})[code] = str(row["label"])
        r.place(f"covariates.{name}", "covariate_codes", n)


def _read_margins(r: _Reader, rows, margins: dict) -> None:
    within = margins.get("within")
    variables: dict[str, dict] = {}
    for n, row in rows:
        where = f"sheet 'margins', row {n}"
        var, group, cat, count = (row.get(c) for c in COLUMNS["margins"])
        if cat is None:
            r.problem(where, "the category is empty")
            continue
        if isinstance(count, str):
            try:
                count = float(count.replace(",", ""))
            except ValueError:
                r.problem(where, f"count '{count}' must be a number")
                continue
        if within and group is None:
            r.problem(
                where,
                f"margins.within is '{within}': say which group this count is "
                "for in the 'group' column",
            )
            continue
        if not within and group is not None:
            r.problem(where, "a group is given but margins.within is not set (codebook sheet)")
            continue
        node = variables.setdefault(str(var), {})
        if within:
            node = node.setdefault(str(group), {})
        node[str(_code(cat))] = count
        r.place(f"margins.variables.{var}", "margins", n)
    if variables or rows:
        margins["variables"] = variables

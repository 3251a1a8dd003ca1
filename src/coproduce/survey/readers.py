"""Reading survey files as they come: CSV, XLSX, SPSS .sav, Stata .dta and Parquet.

Value labels stored in the file (SPSS and Stata value labels) are returned beside the data so
that tables can print "regularly" rather than 3; answers written out as labels (a categorical
Parquet column, text in a CSV or XLSX) are decoded through the codebook's labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..model.errors import Issue, ModelError

MAX_SURVEY_BYTES = 500 * 1024 * 1024
"""The largest survey data file read (half a gigabyte: millions of respondents)."""

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".sav": "sav",
    ".zsav": "sav",
    ".dta": "dta",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class SurveyFile:
    """A survey data file: ``frame`` (one row per respondent), ``labels`` per column
    (``{code: label}``) where the file carried them, and where it came from."""

    frame: pd.DataFrame
    labels: dict[str, dict] = field(default_factory=dict)
    file: str | None = None
    format: str = "csv"


def _fail(path: Path, message: str) -> ModelError:
    return ModelError([Issue("", message, file=str(path))])


def read_survey(path: str | Path) -> SurveyFile:
    """Read a survey data file by its extension; unreadable files raise a located error."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise _fail(
            p,
            f"unknown data file type '{p.suffix or '(none)'}': use "
            ".csv, .xlsx, .sav, .dta or .parquet",
        )
    try:
        size = p.stat().st_size if p.is_file() else None
    except OSError as exc:  # a name the system cannot take
        raise _fail(p, f"cannot open the file: {exc.strerror or exc}") from None
    if size is None:
        raise _fail(p, f"file not found: {p}")
    if size > MAX_SURVEY_BYTES:
        from ..model.errors import TooLarge

        raise TooLarge(
            [
                Issue(
                    "",
                    f"the file is {size / 1024 / 1024:,.0f} MB; survey files of "
                    f"up to {MAX_SURVEY_BYTES // 1024 // 1024} MB can be read",
                    file=str(p),
                )
            ]
        )
    labels: dict[str, dict] = {}
    try:
        if fmt == "csv":
            frame = (
                pd.read_csv(p, sep=None, engine="python")
                if p.suffix.lower() == ".txt"
                else pd.read_csv(p)
            )
        elif fmt == "xlsx":
            sheets = pd.read_excel(p, sheet_name=None)
            name = "data" if "data" in sheets else next(iter(sheets))
            frame = sheets[name]
        elif fmt in ("sav", "dta"):
            import pyreadstat

            reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
            frame, meta = reader(str(p), apply_value_formats=False)
            labels = {
                col: {_num(k): v for k, v in lab.items()}
                for col, lab in (meta.variable_value_labels or {}).items()
            }
        else:
            frame = pd.read_parquet(p)
            for col in frame.columns:
                # a categorical column holds the labels themselves; the codebook decodes them
                if isinstance(frame[col].dtype, pd.CategoricalDtype):
                    frame[col] = frame[col].astype(object)
    except ModelError:
        raise
    except Exception as exc:  # corrupt or mislabelled files: say so, with the reader's reason
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _fail(p, f"cannot read this {fmt} file: {reason}") from None
    if frame.empty:
        raise _fail(p, "the file has no rows of data")
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise _fail(p, f"duplicate column name(s): {', '.join(map(str, dupes))}")
    frame.columns = [str(c).strip() for c in frame.columns]
    return SurveyFile(frame=frame, labels=labels, file=str(p), format=fmt)


def _num(value):
    """SPSS/Stata label keys come back as floats; 3.0 -> 3 so they match integer codes."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

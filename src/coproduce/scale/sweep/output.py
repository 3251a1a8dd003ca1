"""Where a sweep writes: one Parquet partition per row, written atomically; the
``_sweep.json`` manifest whose fingerprints let a sweep run again keep the rows it
already has; ``_errors.json``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .job import FORMAT, SweepError, SweepJob
from .rows import SweepRow


def partition_path(out: Path, row: int) -> Path:
    return out / f"part-{row:05d}.parquet"


def write_partition(out: Path, row: int, records: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # straight to Arrow (no DataFrame): the client writes every partition, so this is the
    # serial part of a sweep — 1.4 ms a row against 3.4 ms through pandas
    table = pa.Table.from_pylist(records)
    _atomically(partition_path(out, row), lambda tmp: pq.write_table(table, tmp))


def write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, default=str)
    _atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _atomically(path: Path, write: Callable[[Path], Any]) -> None:
    """``write`` to a temporary file beside ``path``, then rename it into place: the file is
    whole or absent, never half-written, whenever the sweep is stopped."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def prepare_out(out: Path, job: SweepJob, rows: Sequence[SweepRow], overwrite: bool) -> set[int]:
    """Create or check the output directory; the rows whose partitions can be kept."""
    manifest = out / "_sweep.json"
    if out.exists() and not out.is_dir():
        raise SweepError(
            f"--out {out}: a file is there; sweeps write a directory of Parquet partitions"
        )
    if out.exists():
        foreign = [p.name for p in out.iterdir() if not (p.name.startswith(("part-", "_", ".")))]
        if foreign:
            raise SweepError(
                f"--out {out}: holds files that are not a sweep's "
                f"({', '.join(sorted(foreign)[:3])}); choose an empty or new "
                "directory"
            )
    keep: set[int] = set()
    fingerprint = job.fingerprint()  # the whole model as JSON: once
    row_prints = {str(r.row): r.fingerprint() for r in rows}
    if out.exists() and manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old.get("job") != fingerprint and not overwrite:
            raise SweepError(
                f"--out {out}: holds a different sweep (another model, analysis "
                "or setting); use --overwrite to replace it or choose another "
                "directory"
            )
        if old.get("job") == fingerprint and not overwrite:
            fps = old.get("rows", {})
            keep = {
                r.row
                for r in rows
                if fps.get(str(r.row)) == row_prints[str(r.row)]
                and partition_path(out, r.row).exists()
            }
    out.mkdir(parents=True, exist_ok=True)
    for p in out.iterdir():  # stale partitions (changed rows, an old sweep) go first
        if p.name.startswith("part-") and p.suffix == ".parquet":
            try:
                number = int(p.stem.split("-", 1)[1])
            except ValueError:
                continue
            if number not in keep:
                p.unlink()
    write_json(
        manifest,
        {"format": FORMAT, "job": fingerprint, "analysis": job.analysis, "rows": row_prints},
    )
    return keep

"""Sweeps: one analysis of one model, repeated for every row of an areas file or every point of
a grid, each row run as one task wherever the executor runs tasks, each row's results written
as one Parquet partition as soon as it arrives.

**Inputs.** An areas file (CSV) has one row per area; a grid file (YAML) lists values per
column and the sweep runs every combination. The columns are the same in both:

- ``area`` (areas file: required, unique) — the row's name; ``label`` — a longer name;
- ``scenario`` — the model's scenarios to apply first, joined with ``+``;
- any model quantity path — ``resources.volunteer_hour.available``,
  ``interventions.befriending.capacity``, ``links[befriending->loneliness_free_years].effect``,
  ``targets.independent_years`` — set to the cell's number (an empty cell leaves the model's
  value);
- ``scale:PATH`` — multiply that quantity by the cell's number (a distribution's parameters
  scale with it: an area cost adjustment keeps the uncertainty of a unit cost);
- ``#NAME`` — carried into the results as it is, not applied (a population, a region);
- ``wtp`` (uncertainty: willingness to pay per unit of the target);
  ``budget`` (plan: a public budget) or ``budget.SECTOR`` / ``budget.full``;
- ``time_value`` — the basis users' and communities' hours are valued on (one the model
  names, ``zero`` or ``as_stated``); ``time_value_per_hour`` — a bare value in currency an
  hour (overrides ``time_value``). Applied last, after the scenarios and the settings, as
  :func:`coproduce.model.load_model` applies a basis after scenarios: it sets the unit cost of
  every hour of a co-production sector. An empty cell keeps the sweep's own basis.

**Outputs.** Every row starts with ``row``, ``area``, ``label``, ``scenario``, the input
columns, and the basis of time used: ``time_value`` (its name: ``as_stated``, a named basis,
or ``custom`` for a bare value) and ``time_value_per_hour`` (NaN when each resource keeps its
own unit cost). Every row carries the caveats of what it describes
(:mod:`coproduce.engine.flags`): ``flags`` (the kinds present, joined with ``;``), one
boolean column ``flag_KIND`` per kind of :data:`~coproduce.engine.flags.FLAG_KINDS`, and
``fits`` (deliverable as it stands: within capacity and the resources available). For
``map`` those are the row's pathway's (as ``backwards_map`` flags it); for ``uncertainty``
the row's option's, and every row also names ``best_option_flags`` and ``best_option_fits``
(the most likely best option's); for ``plan`` the whole plan's, on every intervention's row.

**Determinism.** Every row uses the same ``seed`` (common random numbers: differences between
areas come from their inputs, not from sampling noise) and runs in one task, so a row's results
are the same, bit for bit, in this process, in a process pool or on a cluster, however often
its task was retried.

**Resumption.** The output directory holds ``part-NNNNN.parquet`` per completed row and
``_sweep.json``, a fingerprint of the model, the analysis settings and each row's inputs. Run
again, a sweep keeps each partition whose fingerprint still matches and computes only the rest.
Rows whose inputs the model refuses are reported in ``_errors.json`` with their line and do not
stop the others. Read the results with ``pandas.read_parquet(out)`` (files starting with ``_``
are not data).

**Modules.** :mod:`.rows` reads areas files and grids into rows; :mod:`.job` is what every row
runs and its fingerprint; :mod:`.records` gives each analysis's records and flag columns;
:mod:`.tasks` runs one row (what a worker does); :mod:`.output` writes partitions and the
manifest and decides what a rerun keeps; :mod:`.driver` is :func:`sweep` itself;
:mod:`.results` reads the partitions back. Every public name is importable from here.
"""

from __future__ import annotations

from .driver import SweepResult, sweep
from .job import ANALYSES, SweepError, SweepJob
from .output import partition_path
from .records import FLAG_COLUMNS, flag_columns
from .results import read_sweep, summarise
from .rows import SweepRow, read_areas, read_grid
from .tasks import RowOutcome, run_row, run_rows

__all__ = [
    "ANALYSES",
    "FLAG_COLUMNS",
    "RowOutcome",
    "SweepError",
    "SweepJob",
    "SweepResult",
    "SweepRow",
    "flag_columns",
    "partition_path",
    "read_areas",
    "read_grid",
    "read_sweep",
    "run_row",
    "run_rows",
    "summarise",
    "sweep",
]

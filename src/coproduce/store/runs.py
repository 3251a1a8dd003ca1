"""Analysis runs: the inputs (model version, scenario, seed), progress and the result object;
and the queue the workers take them from.

The runs table is the queue. A worker process claims a queued run with a lease (its name and
an expiry it renews while the run goes on); a run whose lease runs out (its process died) goes
back to the queue, at most :data:`MAX_ATTEMPTS` times. Claiming is one conditional update (and
``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two processes never run one run.
Runs are taken fairly: the organisation with fewest runs going first, then its user with
fewest runs going, then the oldest run.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import defer

from .actor import Actor
from .errors import NotFound, RateLimited
from .tables import AuditEntry, ModelVersion, Run, RunFile, StoredModel, now

FINISHED = ("done", "failed", "cancelled")
MAX_ATTEMPTS = 3  # a run whose worker stopped this many times is failed, not retried


def queued_quota() -> int:
    """How many runs one user may have waiting at once (``COPRODUCE_QUEUED_PER_USER``,
    default 20): one analyst cannot fill the queue for everyone."""
    import os

    try:
        return max(1, int(os.environ.get("COPRODUCE_QUEUED_PER_USER", "") or 20))
    except ValueError:
        return 20


class RunsMixin:
    def create_run(
        self,
        actor: Actor,
        kind: str,
        inputs: dict[str, Any],
        *,
        model_version_id: int | None = None,
        scenario: str = "",
        seed: int | None = None,
        running_for: tuple[str, float] | None = None,
    ) -> Run:
        """Store a run for the queue. ``running_for`` (worker, lease seconds): the run is
        stored already taken by that worker (a quick run done in the request), in the same
        transaction, so it never waits in the queue and needs no claim."""
        actor.require("analyst")
        with self.transaction() as s:
            # the quota is of runs waiting: a quick run never waits, so it is not counted
            if running_for is None and actor.user_id is not None:
                waiting = s.scalar(
                    select(func.count()).where(
                        Run.created_by == actor.user_id, Run.status == "queued"
                    )
                )
                if waiting >= queued_quota():
                    raise RateLimited(
                        30,
                        f"you have {waiting} runs waiting, the most one person may have "
                        "queued; cancel some on the Runs page, or wait for them to start",
                        title="Too many runs waiting",
                    )
            if model_version_id is not None:
                v = s.get(ModelVersion, model_version_id)
                if v is None or v.org_id != actor.org_id:
                    raise NotFound(f"no model version {model_version_id}")
            run = Run(
                org_id=actor.org_id,
                kind=kind,
                inputs=inputs,
                scenario=scenario,
                seed=seed,
                model_version_id=model_version_id,
                created_by=actor.user_id,
                status="queued",
                progress=0.0,
                stage="waiting for a worker",
            )
            if running_for is not None:
                owner, lease_seconds = running_for
                run.status, run.stage, run.lease_owner = "running", "starting", owner
                run.lease_expires = now() + timedelta(seconds=lease_seconds)
            s.add(run)
            s.flush()
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="run.create",
                    target=f"run {run.id}",
                    detail={"kind": kind},
                )
            )
            return run

    def get_run(self, actor: Actor, run_id: int) -> Run:
        with self.transaction() as s:
            run = s.scalar(select(Run).where(Run.id == run_id, Run.org_id == actor.org_id))
            if run is None:
                raise NotFound(f"no run {run_id}")
            return run

    def get_run_with_model(
        self, actor: Actor, run_id: int
    ) -> tuple[Run, ModelVersion | None, StoredModel | None]:
        """A run with the model version it used and that version's model, in one
        transaction (both None for analyses without a model)."""
        with self.transaction() as s:
            run = s.scalar(select(Run).where(Run.id == run_id, Run.org_id == actor.org_id))
            if run is None:
                raise NotFound(f"no run {run_id}")
            if run.model_version_id is None:
                return run, None, None
            v = s.get(ModelVersion, run.model_version_id)
            if v is None or v.org_id != actor.org_id:
                raise NotFound("the run's model version is gone")
            return run, v, s.get(StoredModel, v.model_id)

    def list_runs(
        self, actor: Actor, *, model_id: int | None = None, kind: str | None = None, limit: int = 50
    ) -> list[Run]:
        """The organisation's latest runs, newest first, without their results (a list shows
        what was asked, not the answer; reading ``result`` on them raises: open the run with
        :meth:`get_run`)."""
        with self.one_statement() as s:
            # a map run's result is tens of kilobytes of JSON: ten of them were a fifth of
            # the map page's time
            q = (
                select(Run)
                .where(Run.org_id == actor.org_id)
                .options(defer(Run.result, raiseload=True))
            )
            if model_id is not None:
                q = q.join(ModelVersion, ModelVersion.id == Run.model_version_id).where(
                    ModelVersion.model_id == model_id
                )
            if kind:
                q = q.where(Run.kind == kind)
            return list(s.scalars(q.order_by(Run.id.desc()).limit(limit)))

    def cancel_run(self, actor: Actor, run_id: int) -> Run:
        actor.require("analyst")
        with self.transaction() as s:
            run = s.scalar(select(Run).where(Run.id == run_id, Run.org_id == actor.org_id))
            if run is None:
                raise NotFound(f"no run {run_id}")
            if run.status not in FINISHED:
                run.cancel_requested = True
                if run.status == "queued":
                    run.status, run.finished_at, run.stage = "cancelled", now(), "cancelled"
                s.add(
                    AuditEntry(
                        org_id=actor.org_id,
                        user_id=actor.user_id,
                        action="run.cancel",
                        target=f"run {run.id}",
                        detail={},
                    )
                )
            return run

    # -- for the worker (no actor: it acts on a run already authorised) ----------------------
    def run_for_worker(self, run_id: int) -> Run | None:
        with self.transaction() as s:
            return s.get(Run, run_id)

    def progress(self, run_id: int, fraction: float, stage: str, owner: str | None = None) -> bool:
        """Record progress; returns False when the run has been asked to stop, or (``owner``
        given) when its lease has passed to another worker."""
        with self.transaction() as s:
            where = [Run.id == run_id, Run.status.in_(("queued", "running"))]
            if owner is not None:
                where.append(Run.lease_owner == owner)
            done = s.execute(
                update(Run)
                .where(*where)
                .values(status="running", progress=max(0.0, min(1.0, fraction)), stage=stage[:200])
            ).rowcount
            run = s.get(Run, run_id)
            if owner is not None and not done:
                return False
            return run is not None and not run.cancel_requested

    # -- the queue ---------------------------------------------------------------------------
    def claim_run(
        self,
        owner: str,
        lease_seconds: float,
        *,
        run_id: int | None = None,
        skip_users: set[int | None] = frozenset(),
    ) -> int | None:
        """Take a queued run for worker ``owner`` for ``lease_seconds``: ``run_id`` if given
        (and still queued), else the next one fairly (the organisation with fewest runs going
        first, then its user with fewest going, then the oldest), leaving out runs of
        ``skip_users``. Returns its id, or None."""
        with self.transaction() as s:
            if run_id is None:
                going = (
                    select(Run.created_by, func.count().label("n"))
                    .where(Run.status == "running")
                    .group_by(Run.created_by)
                    .subquery()
                )
                org_going = (
                    select(Run.org_id, func.count().label("n"))
                    .where(Run.status == "running")
                    .group_by(Run.org_id)
                    .subquery()
                )
                n = func.coalesce(going.c.n, 0)
                n_org = func.coalesce(org_going.c.n, 0)
                q = (
                    select(Run.id)
                    .outerjoin(going, going.c.created_by == Run.created_by)
                    .outerjoin(org_going, org_going.c.org_id == Run.org_id)
                    .where(Run.status == "queued")
                    .order_by(n_org, n, Run.id)
                    .limit(1)
                )
                users = {u for u in skip_users if u is not None}
                if users:
                    q = q.where(Run.created_by.not_in(users) | Run.created_by.is_(None))
                if s.get_bind().dialect.name == "postgresql":
                    q = q.with_for_update(skip_locked=True, of=Run)
                run_id = s.scalar(q)
                if run_id is None:
                    return None
            taken = s.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == "queued")
                .values(
                    status="running",
                    lease_owner=owner,
                    lease_expires=now() + timedelta(seconds=lease_seconds),
                    stage="starting",
                )
            ).rowcount
            return run_id if taken else None

    def renew_leases(self, owner: str, run_ids: list[int], lease_seconds: float) -> None:
        """The worker ``owner`` is still running these runs: extend their leases."""
        if not run_ids:
            return
        with self.transaction() as s:
            s.execute(
                update(Run)
                .where(Run.id.in_(run_ids), Run.lease_owner == owner, Run.status == "running")
                .values(lease_expires=now() + timedelta(seconds=lease_seconds))
            )

    def requeue_expired(self) -> int:
        """Runs whose worker stopped (their lease ran out) go back to the queue, or fail after
        :data:`MAX_ATTEMPTS`; returns how many were requeued or failed."""
        t = now()
        return self._release(
            (Run.status == "running") & (Run.lease_expires.is_not(None)) & (Run.lease_expires < t)
        )

    def _release(self, which) -> int:
        with self.transaction() as s:
            failed = s.execute(
                update(Run)
                .where(which, Run.attempts >= MAX_ATTEMPTS - 1)
                .values(
                    status="failed",
                    finished_at=now(),
                    stage="failed",
                    lease_owner=None,
                    error=f"the worker running this stopped {MAX_ATTEMPTS} times; run it again "
                    "with fewer draws, or ask an administrator to look at the server's log",
                )
            ).rowcount
            requeued = s.execute(
                update(Run)
                .where(which)
                .values(
                    status="queued",
                    lease_owner=None,
                    lease_expires=None,
                    attempts=Run.attempts + 1,
                    progress=0.0,
                    stage="waiting for a worker (the one running it stopped)",
                )
            ).rowcount
            return failed + requeued

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        result: dict | None = None,
        error: str = "",
        files: dict[str, tuple[str, bytes, str]] | None = None,
        owner: str | None = None,
    ) -> bool:
        """Record how a run ended, with its result and its files (``{name: (media type,
        body, error)}``), in one transaction. With ``owner``, only while that
        worker still holds the run (returns False when it has passed to another)."""
        with self.transaction() as s:
            run = s.get(Run, run_id)
            if run is None or (owner is not None and run.lease_owner != owner):
                return False
            run.status, run.result, run.error = status, result, error
            run.lease_owner, run.lease_expires = None, None
            run.finished_at = now()
            run.progress = 1.0 if status == "done" else run.progress
            run.stage = {"done": "finished", "cancelled": "cancelled"}.get(status, "failed")
            if files:
                _add_files(s, run_id, files)
            return True

    def add_run_files(self, run_id: int, files: dict[str, tuple[str, bytes, str]]) -> None:
        """Keep the files of a finished run (reports written after its result)."""
        with self.transaction() as s:
            if s.get(Run, run_id) is not None:
                have = set(s.scalars(select(RunFile.name).where(RunFile.run_id == run_id)))
                _add_files(s, run_id, {k: v for k, v in files.items() if k not in have})

    def run_file(self, actor: Actor, run_id: int, name: str) -> RunFile | None:
        """A file of one of the organisation's runs, or None when it has not been written."""
        with self.transaction() as s:
            return s.scalar(
                select(RunFile)
                .join(Run, Run.id == RunFile.run_id)
                .where(RunFile.run_id == run_id, RunFile.name == name, Run.org_id == actor.org_id)
            )

    def abandon_unfinished_runs(self) -> int:
        """At a whole server's start, no process of the last one is left: its running runs
        go back to the queue (or fail after :data:`MAX_ATTEMPTS`); queued runs stay queued and
        will run. Returns how many runs were requeued or failed."""
        return self._release(Run.status == "running")


def _add_files(s, run_id: int, files: dict[str, tuple[str, bytes, str]]) -> None:
    for name, (media_type, body, error) in files.items():
        s.add(RunFile(run_id=run_id, name=name, media_type=media_type, body=body, error=error))

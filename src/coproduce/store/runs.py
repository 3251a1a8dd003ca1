"""Analysis runs: the inputs (model version, scenario, seed), progress and the result object."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from .actor import Actor
from .errors import NotFound
from .tables import AuditEntry, ModelVersion, Run, RunFile, now

FINISHED = ("done", "failed", "cancelled")
# the stage of a finished run whose reports are still being written (quick runs)
WRITING = "writing the reports"


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
    ) -> Run:
        actor.require("analyst")
        with self.transaction() as s:
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

    def list_runs(
        self, actor: Actor, *, model_id: int | None = None, kind: str | None = None, limit: int = 50
    ) -> list[Run]:
        with self.transaction() as s:
            q = select(Run).where(Run.org_id == actor.org_id)
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

    def progress(self, run_id: int, fraction: float, stage: str) -> bool:
        """Record progress; returns False when the run has been asked to stop."""
        with self.transaction() as s:
            s.execute(
                update(Run)
                .where(Run.id == run_id, Run.status.in_(("queued", "running")))
                .values(status="running", progress=max(0.0, min(1.0, fraction)), stage=stage[:200])
            )
            run = s.get(Run, run_id)
            return run is not None and not run.cancel_requested

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        result: dict | None = None,
        error: str = "",
        files: dict[str, tuple[str, bytes, str]] | None = None,
        files_to_come: bool = False,
    ) -> None:
        """Record how a run ended, with its result and its files (``{name: (media type,
        body, error)}``), in one transaction; ``files_to_come``: its reports are being
        written and will be added by :meth:`add_run_files`."""
        with self.transaction() as s:
            run = s.get(Run, run_id)
            if run is None:
                return
            run.status, run.result, run.error = status, result, error
            run.finished_at = now()
            run.progress = 1.0 if status == "done" else run.progress
            run.stage = {"done": "finished", "cancelled": "cancelled"}.get(status, "failed")
            if status == "done" and files_to_come:
                run.stage = WRITING
            if files:
                _add_files(s, run_id, files)

    def add_run_files(self, run_id: int, files: dict[str, tuple[str, bytes, str]]) -> None:
        """Keep the files of a finished run (reports written after its result)."""
        with self.transaction() as s:
            run = s.get(Run, run_id)
            if run is not None:
                _add_files(s, run_id, files)
                if run.stage == WRITING:
                    run.stage = "finished"

    def run_file(self, actor: Actor, run_id: int, name: str) -> RunFile | None:
        """A file of one of the organisation's runs, or None when it has not been written."""
        with self.transaction() as s:
            return s.scalar(
                select(RunFile)
                .join(Run, Run.id == RunFile.run_id)
                .where(RunFile.run_id == run_id, RunFile.name == name, Run.org_id == actor.org_id)
            )

    def abandon_unfinished_runs(self) -> int:
        """Mark runs a previous server process left queued or running as failed."""
        with self.transaction() as s:
            return s.execute(
                update(Run)
                .where(Run.status.in_(("queued", "running")))
                .values(
                    status="failed",
                    finished_at=now(),
                    stage="failed",
                    error="the server stopped before this run finished; run it again",
                )
            ).rowcount


def _add_files(s, run_id: int, files: dict[str, tuple[str, bytes, str]]) -> None:
    for name, (media_type, body, error) in files.items():
        s.add(RunFile(run_id=run_id, name=name, media_type=media_type, body=body, error=error))

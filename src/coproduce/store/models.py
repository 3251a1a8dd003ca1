"""Strategy-map models and their immutable versions, scoped to the caller's organisation.

A model is only ever stored once it loads: the data is validated with
:func:`coproduce.load_model` first and kept in its canonical form
(:func:`coproduce.model.serialise.model_to_data`), so an invalid upload stores nothing.
A new version names the version it was edited from; if the model has moved on since, the
save is refused with :class:`Conflict` rather than silently overwriting someone's work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from ..model import load_model
from ..model.schema import Model
from ..model.serialise import model_to_data
from .actor import Actor
from .errors import Conflict, NotFound, invalid
from .tables import AuditEntry, ModelVersion, StoredModel, now


def canonical(data: dict[str, Any] | Model) -> dict[str, Any]:
    """The canonical form of a model: ``data`` validated (raises ModelError naming every
    problem) and written out. A :class:`~coproduce.model.schema.Model` (as :func:`load_model`
    returns it: validated already) is only written out, not validated a second time."""
    return model_to_data(data if isinstance(data, Model) else load_model(data))


class ModelsMixin:
    def list_models(self, actor: Actor) -> list[StoredModel]:
        with self.one_statement() as s:
            return list(
                s.scalars(
                    select(StoredModel)
                    .where(StoredModel.org_id == actor.org_id)
                    .order_by(StoredModel.updated_at.desc())
                )
            )

    def get_model(self, actor: Actor, model_id: int) -> StoredModel:
        with self.transaction() as s:
            return self._model(s, actor, model_id)

    @staticmethod
    def _model(s, actor: Actor, model_id: int) -> StoredModel:
        m = s.scalar(
            select(StoredModel).where(
                StoredModel.id == model_id, StoredModel.org_id == actor.org_id
            )
        )
        if m is None:
            raise NotFound(f"no model {model_id}")
        return m

    def create_model(
        self,
        actor: Actor,
        name: str,
        data: dict[str, Any] | Model,
        *,
        source: str = "",
        message: str = "first version",
    ) -> tuple[StoredModel, ModelVersion]:
        """Store a new model with ``data`` as version 1, validated once: model-file data is
        validated here; a caller that has already loaded it passes the
        :class:`~coproduce.model.schema.Model` :func:`load_model` gave, which is not
        validated again."""
        actor.require("analyst")
        clean = canonical(data)
        name = (name or "").strip()[:200] or str(clean.get("name") or "Untitled model")[:200]
        with self.transaction() as s:
            taken = set(
                s.scalars(select(StoredModel.name).where(StoredModel.org_id == actor.org_id))
            )
            base, k = name, 2
            while name in taken:  # a second upload of the same map gets a distinct name
                name, k = f"{base} ({k})", k + 1
            m = StoredModel(org_id=actor.org_id, name=name, head=1, created_by=actor.user_id)
            s.add(m)
            s.flush()
            v = ModelVersion(
                model_id=m.id,
                org_id=actor.org_id,
                number=1,
                data=clean,
                message=message,
                source=source[:200],
                created_by=actor.user_id,
            )
            s.add(v)
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="model.create",
                    target=f"model {m.id}",
                    detail={"name": name, "source": source},
                )
            )
            s.flush()
            return m, v

    def save_version(
        self, actor: Actor, model_id: int, data: dict[str, Any], *, base: int, message: str = ""
    ) -> ModelVersion:
        """Store ``data`` as the next version of a model edited from version ``base``.

        Raises ModelError (nothing stored) when invalid, :class:`Conflict` when ``base`` is
        no longer the latest version.
        """
        actor.require("analyst")
        with self.transaction() as s:
            # another organisation's model: NotFound first; a stale base: Conflict before
            # the data is even checked, since the edit starts from an outdated map
            m = self._model(s, actor, model_id)
            if m.head != base:
                raise Conflict(
                    f"version {m.head} was saved since you opened version {base}; "
                    "your changes were not saved",
                    head=m.head,
                )
        clean = canonical(data)
        with self.transaction() as s:
            m = self._model(s, actor, model_id)
            # compare-and-set on the head: two concurrent saves from the same base cannot
            # both succeed, whatever the isolation level
            done = s.execute(
                update(StoredModel)
                .where(StoredModel.id == m.id, StoredModel.head == base)
                .values(head=base + 1, updated_at=now())
            ).rowcount
            if done != 1:
                s.refresh(m)
                raise Conflict(
                    f"version {m.head} was saved since you opened version {base}; "
                    "your changes were not saved",
                    head=m.head,
                )
            v = ModelVersion(
                model_id=m.id,
                org_id=actor.org_id,
                number=base + 1,
                data=clean,
                message=message[:2000],
                created_by=actor.user_id,
            )
            s.add(v)
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="model.edit",
                    target=f"model {m.id}",
                    detail={"version": base + 1, "message": message[:200]},
                )
            )
            s.flush()
            self._before_commit_hook()
            return v

    def _before_commit_hook(self) -> None:
        """Called inside the transaction of a save, just before commit (tests kill here)."""

    def rename_model(self, actor: Actor, model_id: int, name: str) -> None:
        actor.require("analyst")
        if not name.strip():
            raise invalid("name", "cannot be empty")
        with self.transaction() as s:
            m = self._model(s, actor, model_id)
            old, m.name = m.name, name.strip()[:200]
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="model.rename",
                    target=f"model {m.id}",
                    detail={"from": old, "to": m.name},
                )
            )

    def delete_model(self, actor: Actor, model_id: int) -> None:
        actor.require("admin")
        with self.transaction() as s:
            m = self._model(s, actor, model_id)
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="model.delete",
                    target=f"model {m.id}",
                    detail={"name": m.name},
                )
            )
            s.delete(m)

    def list_versions(self, actor: Actor, model_id: int) -> list[ModelVersion]:
        with self.transaction() as s:
            self._model(s, actor, model_id)
            return list(
                s.scalars(
                    select(ModelVersion)
                    .where(ModelVersion.model_id == model_id)
                    .order_by(ModelVersion.number.desc())
                )
            )

    def get_version(self, actor: Actor, model_id: int, number: int | None = None) -> ModelVersion:
        """A version of a model (the latest when ``number`` is None)."""
        return self.get_model_version(actor, model_id, number)[1]

    def get_model_version(
        self, actor: Actor, model_id: int, number: int | None = None
    ) -> tuple[StoredModel, ModelVersion]:
        """A model and one of its versions (the latest when ``number`` is None), read in
        one transaction."""
        with self.transaction() as s:
            m = self._model(s, actor, model_id)
            v = s.scalar(
                select(ModelVersion).where(
                    ModelVersion.model_id == m.id, ModelVersion.number == (number or m.head)
                )
            )
            if v is None:
                raise NotFound(f"model {model_id} has no version {number}")
            return m, v

    def count_versions(self, actor: Actor) -> int:
        with self.transaction() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(ModelVersion)
                    .where(ModelVersion.org_id == actor.org_id)
                )
                or 0
            )

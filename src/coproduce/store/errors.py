"""What the store raises; the web app turns these into 404, 403, 409, 422 and 429."""

from __future__ import annotations

from ..model.errors import Issue, ModelError


class StoreError(Exception):
    """Base of the store's own errors."""


class NotFound(StoreError):
    """No such thing in the caller's organisation (other organisations' rows look absent)."""


class Forbidden(StoreError):
    """The caller's role does not allow this."""


class Conflict(StoreError):
    """A stale edit: the model moved on since the caller read it."""

    def __init__(self, message: str, *, head: int | None = None) -> None:
        super().__init__(message)
        self.head = head


class RateLimited(StoreError):
    """Too many failed sign-ins, or runs waiting; try again later (``retry_after`` seconds)."""

    def __init__(
        self, retry_after: int, message: str | None = None, title: str = "Too many attempts"
    ) -> None:
        super().__init__(
            message or f"too many failed sign-ins: try again in {retry_after // 60 + 1} minutes"
        )
        self.retry_after = retry_after
        self.title = title


class ChooseOrganisation(StoreError):
    """The e-mail address and password open accounts of several organisations: sign in again
    naming one. ``organisations`` lists (slug, name) of only those the password opened."""

    def __init__(self, organisations: list[tuple[str, str]]) -> None:
        super().__init__("this address has accounts in several organisations: choose one")
        self.organisations = organisations


def invalid(path: str, message: str) -> ModelError:
    """A one-issue :class:`ModelError` for a bad field of a store request."""
    return ModelError([Issue(path, message)])

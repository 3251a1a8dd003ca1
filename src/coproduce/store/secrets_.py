"""Password hashing (argon2id) and random tokens kept only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    # tokens are 256-bit random, so a fast hash is enough (no dictionary to guard against)
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_dummy: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown, so timing does not reveal it
    (made on first use: hashing takes a noticeable fraction of a second)."""
    if "hash" not in _dummy:
        _dummy["hash"] = _hasher.hash("not a real password")
    return _dummy["hash"]

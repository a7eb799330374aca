"""Password hashing (argon2id) and SIP digest HA1 values for agents' phones."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP password storage guidance: argon2id with 19 MiB, 2 iterations, 1 lane (hashes made with
# other parameters still verify; argon2 reads them from the hash itself).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# A real hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY = _hasher.hash("dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def sip_ha1(extension: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{extension}:{realm}:{password}".encode()).hexdigest()

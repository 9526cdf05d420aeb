"""Encryption at rest: Fernet (AES-128-CBC + HMAC) with key rotation via MultiFernet.

The first key encrypts; every key decrypts, so a new key can be put first and old documents
re-encrypted at leisure. Without configured keys, one is derived from the secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DecryptionError(Exception):
    """The bytes were not encrypted with any configured key, or were altered."""


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` derived from the service secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"dsr:{purpose}".encode()).derive(secret.encode())


class Cipher:
    """Encrypts and decrypts documents with the configured keys."""

    def __init__(self, keys: list[str], secret: str) -> None:
        material = keys or [base64.urlsafe_b64encode(derive_key(secret, "documents")).decode()]
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in material])
        except ValueError:
            raise ValueError("service.encryption_keys: each key must be 32 url-safe "
                             "base64-encoded bytes (make one with `dsr keys generate`)") from None

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise DecryptionError("document cannot be decrypted with the configured keys") from None

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under a key derived for ``purpose`` (codes, suppression)."""
    return hmac.new(derive_key(secret, purpose), value.encode(), hashlib.sha256).hexdigest()

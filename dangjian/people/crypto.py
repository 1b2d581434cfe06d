"""Personal identifiers at rest: AES-GCM ciphertext plus a keyed blind index for look-ups.

A database dump shows neither ID numbers nor phones in clear. The key is FIELD_ENCRYPTION_KEY (or, when
that is not set, one derived from SECRET_KEY); keep it out of the database backups.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(secret):
    material = secret.encode()

    def derive(info):
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dangjian", info=info).derive(material)

    return derive(b"field-encryption"), derive(b"blind-index")


def keys():
    return _keys(settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY)


def encrypt(value):
    if not value:
        return ""
    enc_key, _ = keys()
    nonce = os.urandom(12)
    ciphertext = AESGCM(enc_key).encrypt(nonce, value.encode(), None)
    return PREFIX + base64.b64encode(nonce + ciphertext).decode()


def decrypt(token):
    if not token:
        return ""
    enc_key, _ = keys()
    raw = base64.b64decode(token.removeprefix(PREFIX))
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], None).decode()


def blind_index(value):
    if not value:
        return None
    _, index_key = keys()
    return hmac.new(index_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value):
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value):
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "****" + value[-4:]
    return value[:2] + "*" * max(len(value) - 4, 1) + value[-2:]

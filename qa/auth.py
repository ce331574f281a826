"""Who may call: the bearer token a request sends, checked in constant time against QA_ADMIN_TOKEN (library
writes) or QA_API_KEYS (/v1, /retrieval, /mcp). The one rule the admin gate, the routes and the integrations use.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException

from .problems import BAD_TOKEN, UPLOADS_OFF
from .settings import api_keys

BEARER_CHALLENGE = {"www-authenticate": "Bearer"}


def bearer_token(authorization: str | None) -> str | None:
    """The KEY of `Authorization: Bearer KEY`; "" when the header is there in another form; None without one."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def same_secret(token: str, secret: str) -> bool:
    # Constant time, so the time taken says nothing about how close a guess was.
    return hmac.compare_digest(token.encode(), secret.encode())


def key_accepted(token: str | None, keys: str) -> bool:
    """Is `token` one of the comma-separated `keys`? Compared against every key, whichever matches."""
    return bool(token) and any([same_secret(token, key) for key in api_keys(keys)])


def admin_refusal(authorization: str | None, admin_token: str) -> HTTPException | None:
    """Why a library write is refused (403 without QA_ADMIN_TOKEN, 401 without the right bearer token), or None."""
    if not admin_token:
        return HTTPException(403, UPLOADS_OFF)
    token = bearer_token(authorization)
    if not token or not same_secret(token, admin_token):
        return HTTPException(401, BAD_TOKEN, headers=BEARER_CHALLENGE)
    return None

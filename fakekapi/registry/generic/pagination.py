"""Continue tokens, in kube's format (`storage/continue.go`): unpadded base64url of
`{"v":"meta.k8s.io/v1","rv":<list revision>,"start":"<key after the prefix>\\u0000"}`.

Clients treat the token as opaque, but keeping kube's shape means a token from a real server's
documentation or a client's test fixture decodes the same way here.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath

from fakekapi.core.errors import StatusError, bad_request

TOKEN_VERSION = "meta.k8s.io/v1"


def encode_continue(key: str, prefix: str, revision: int) -> str:
    """The token of a page whose last item is `key` (the next page starts after it)."""
    body = {"v": TOKEN_VERSION, "rv": revision, "start": key[len(prefix) :] + "\x00"}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid(detail: str) -> StatusError:
    return bad_request(f"invalid continue token: continue key is not valid: {detail}")


def decode_continue(token: str, prefix: str) -> tuple[str, int]:
    """(start key, revision): the next page holds keys greater than or equal to start key."""
    try:
        padded = token + "=" * (-len(token) % 4)
        if any(c in token for c in "+/="):
            raise ValueError("illegal base64 data")
        data = base64.urlsafe_b64decode(padded.encode())
    except (ValueError, binascii.Error):
        raise _invalid("illegal base64 data at input byte 0") from None
    try:
        body = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _invalid("invalid character looking for beginning of value") from None
    except RecursionError:  # deeply nested: not a token of ours either
        body = None
    if not isinstance(body, dict) or body.get("v") != TOKEN_VERSION:
        raise _invalid("server does not recognize this encoding")
    rv = body.get("rv")
    if not isinstance(rv, int) or isinstance(rv, bool) or rv == 0:
        raise bad_request(
            "invalid continue token: continue key is not valid: incorrect encoded start "
            "resourceVersion (version meta.k8s.io/v1)"
        )
    start = body.get("start")
    if not isinstance(start, str) or not start:
        raise bad_request(
            "invalid continue token: continue key is not valid: encoded start key empty"
        )
    key = start if start.startswith("/") else "/" + start
    cleaned = posixpath.normpath(key.rstrip("\x00")) + ("\x00" if key.endswith("\x00") else "")
    if cleaned != key:
        raise _invalid(start)
    return prefix + cleaned[1:], rv

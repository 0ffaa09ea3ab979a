"""Static bearer tokens from `--token-auth-file` (apiserver `authentication/token/tokenfile`).

The file is CSV: `token,user,uid[,"group1,group2,..."]`, one credential per line; at least three
columns, the optional fourth a comma-separated group list (quoted when it holds commas). As kube:
a record with an empty token is skipped with a warning, a repeated token is a warning and the
later line wins, extra columns are ignored. Tokens are matched exactly.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from pathlib import Path

from fakekapi.auth.authn import NOT_MINE, AuthResult
from fakekapi.core.user import ALL_AUTHENTICATED, UserInfo

log = logging.getLogger(__name__)

METHOD = "token-file"


class TokenFileError(ValueError):
    """The file cannot be used; the message names the file and the problem (as kube's)."""


def parse_token_csv(text: str, source: str = "") -> dict[str, UserInfo]:
    """token → user for the CSV text (`source` names the file in messages). `csv` is imported
    here: a server without --token-auth-file never needs it."""
    import csv

    tokens: dict[str, UserInfo] = {}
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    record_number = 0
    try:
        for record in reader:
            if not record:
                continue
            record_number += 1
            if len(record) < 3:
                raise TokenFileError(
                    f"token file '{source}' must have at least 3 columns (token, user name, "
                    f"user uid), found {len(record)}"
                )
            token = record[0]
            if not token:
                log.warning(
                    "empty token has been found in token file '%s', record number '%d'",
                    source,
                    record_number,
                )
                continue
            groups: list[str] = []
            if len(record) >= 4:
                groups = [g.strip() for g in record[3].split(",") if g.strip()]
            if token in tokens:
                log.warning(
                    "duplicate token has been found in token file '%s', record number '%d'",
                    source,
                    record_number,
                )
            if ALL_AUTHENTICATED not in groups:
                groups.append(ALL_AUTHENTICATED)
            tokens[token] = UserInfo(name=record[1], uid=record[2], groups=tuple(groups))
    except csv.Error as e:
        raise TokenFileError(f"token file '{source}': {e}") from e
    return tokens


def load_token_file(path: Path) -> StaticTokenAuthenticator:
    """Read `path`; raises TokenFileError (unreadable file or a bad record)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise TokenFileError(f"cannot read token file '{path}': {e.strerror or e}") from e
    return StaticTokenAuthenticator(parse_token_csv(text, str(path)))


class StaticTokenAuthenticator:
    """A TokenAuthenticator over a fixed token → user map.

    A token not in the file is "not mine": the next token authenticator (ServiceAccount JWTs) may
    still accept it, and the bearer authenticator turns "nobody" into `invalid bearer token`.
    """

    method = METHOD

    def __init__(self, tokens: Mapping[str, UserInfo]) -> None:
        self.tokens = dict(tokens)

    def authenticate_token(self, token: str) -> AuthResult:
        user = self.tokens.get(token)
        if user is None:
            return NOT_MINE
        return AuthResult.ok(user, self.method)


__all__ = [
    "StaticTokenAuthenticator",
    "TokenFileError",
    "load_token_file",
    "parse_token_csv",
]

"""Go's strconv parsers where fakekapi reads what kube reads with them (flags, query values)."""

from __future__ import annotations


def parse_bool(value: str) -> bool | None:
    """strconv.ParseBool: 1, t, T, TRUE, true, True and their false twins; None for anything
    else (Go's syntax error). `--runtime-config` values and `?pretty=` are read with it."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None

"""A kubeconfig document as the YAML text `yaml.safe_dump(doc, sort_keys=False)` writes.

Every start writes `admin.kubeconfig`; importing PyYAML for it cost ~8 ms and ~1 MiB of each
server that is never asked for YAML. A kubeconfig is mappings, lists of mappings and strings
(names, a URL, base64 data), which PyYAML writes in block style, each string plain when nothing
in it could read back as another type. This writes that layout for such documents and leaves
any other document to PyYAML itself, so the text is PyYAML's either way
(tests/datadir/test_kubeconfigtext.py compares the two).
"""

from __future__ import annotations

import re
from typing import Any

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9+/=:._@-]*\Z")
"""Strings PyYAML writes unquoted: a letter first (no number, date or indicator), then no blank,
`#`, quote, bracket or comma. Of these only YAML 1.1's words for booleans and null would read
back as another type (`_WORDS`)."""

_WORDS = frozenset(("y", "yes", "n", "no", "true", "false", "on", "off", "null"))


def kubeconfig_yaml(doc: dict[str, Any]) -> str:
    """The block-style YAML text of `doc` (key order kept), as `yaml.safe_dump` writes it."""
    lines = _mapping(doc, "")
    if lines is not None:
        return "\n".join(lines) + "\n"
    import yaml

    return yaml.safe_dump(doc, sort_keys=False)


def _plain(text: Any) -> bool:
    return isinstance(text, str) and bool(_PLAIN.match(text)) and text.lower() not in _WORDS


def _mapping(doc: dict[str, Any], indent: str) -> list[str] | None:
    """The lines of a mapping at `indent`; None when it holds anything but plain strings,
    mappings and non-empty lists of non-empty mappings (PyYAML writes those)."""
    lines: list[str] = []
    for key, value in doc.items():
        if not _plain(key):
            return None
        if isinstance(value, str):
            if not _plain(value):
                return None
            lines.append(f"{indent}{key}: {value}")
        elif isinstance(value, dict) and not value:
            lines.append(f"{indent}{key}: {{}}")
        elif isinstance(value, dict):
            inner = _mapping(value, indent + "  ")
            if inner is None:
                return None
            lines += [f"{indent}{key}:", *inner]
        elif isinstance(value, list) and value:
            lines.append(f"{indent}{key}:")
            for item in value:
                inner = _mapping(item, indent + "  ") if isinstance(item, dict) and item else None
                if inner is None:
                    return None
                inner[0] = f"{indent}- {inner[0][len(indent) + 2 :]}"
                lines += inner
        else:
            return None
    return lines

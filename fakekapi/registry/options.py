"""Request options (ListOptions, Create/Update/PatchOptions, DeleteOptions) as plain values.

The server parses query parameters and bodies into these with the parse_* functions (which raise
kube's 400/422 StatusErrors); the registry only ever sees validated values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListOptions:
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    timeout_seconds: int | None = None
    send_initial_events: bool | None = None


@dataclass(frozen=True)
class WriteOptions:
    """CreateOptions, UpdateOptions and PatchOptions share these fields."""

    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Warn"
    """Ignore, Warn (the server default) or Strict."""
    force: bool = False


@dataclass(frozen=True)
class DeleteOptions:
    grace_period_seconds: int | None = None
    preconditions_uid: str | None = None
    preconditions_resource_version: str | None = None
    propagation_policy: str | None = None
    orphan_dependents: bool | None = None
    dry_run: bool = False

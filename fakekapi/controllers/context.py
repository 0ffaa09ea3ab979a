"""What a controller is given when it starts: kube's ControllerContext, reduced to fakekapi's needs.

A controller reads through the shared informers (one cache per resource type for all of them),
writes through the registry under its own identity, and records Events as its component. The
identity is the ServiceAccount kube-controller-manager uses with
`--use-service-account-credentials` (kube-system/<name>, the subjects of the bootstrap
`system:controller:<name>` roles), so audit logs and managedFields read as a cluster's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fakekapi.catalog import releases
from fakekapi.client.informer import Informer, SharedInformers
from fakekapi.controllers.events import EventRecorder
from fakekapi.core.user import UserInfo

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry


def controller_identity(service_account: str) -> UserInfo:
    """The user a controller's requests are made as: its kube-system ServiceAccount."""
    return UserInfo(
        name=f"system:serviceaccount:kube-system:{service_account}",
        groups=(
            "system:serviceaccounts",
            "system:serviceaccounts:kube-system",
            "system:authenticated",
        ),
    )


@dataclass
class ControllerContext:
    """Shared by every controller of one manager."""

    registry: Registry
    informers: SharedInformers
    kubernetes_version: str = "1.33"
    """The emulated release (`X.Y`): controllers whose behaviour changed follow it."""
    recorders: list[EventRecorder] = field(default_factory=list)
    enabled: Callable[[str], bool] = field(default=lambda _name: True)
    """Whether a controller (canonical name) runs: e.g. the ttl-after-finished controller
    deletes in the foreground only when the garbage collector is there to finish it."""

    def resource(self, group: str, version: str, plural: str) -> ResourceType:
        """A built-in resource type (the catalog always serves the ones controllers use)."""
        rt: ResourceType | None = self.registry.catalog.lookup(group, version, plural)
        if rt is None:  # pragma: no cover - only with --runtime-config turning the group off
            raise LookupError(f"the API server does not serve {group or 'core'}/{version} {plural}")
        return rt

    def informer(
        self, group: str, version: str, plural: str, *, field_selector: str = ""
    ) -> Informer:
        return self.informers.informer(
            self.resource(group, version, plural), field_selector=field_selector
        )

    def recorder(self, component: str, user: UserInfo | None = None) -> EventRecorder:
        """An event recorder for `component`, writing as `user`; stopped with the manager."""
        rec = EventRecorder(self.registry, component, user=user)
        self.recorders.append(rec)
        return rec

    @property
    def minor(self) -> int:
        """The emulated minor version (33 for 1.33)."""
        return releases.minor(self.kubernetes_version)

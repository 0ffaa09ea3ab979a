"""A kind's rules, as kube's REST strategies (`k8s.io/apiserver/pkg/registry/rest`): the
generic registry's behaviour, which a kind's strategy (in its group package) overrides.

kube's generic store (`registry/generic/registry/store.go`) calls its strategy at fixed points
of every write; fakekapi's Registry calls these at the same points:

- create: `on_decode` (what conversion from the wire form does), `reset_status` and
  `prepare_for_create` (PrepareForCreate), admission, `before_write` (the kind's REST storage
  steps), validation (the object's metadata, then `validate`),
  `canonicalize` (Canonicalize);
- update: `on_decode`, `prepare_for_update` (PrepareForUpdate), admission, `before_write`,
  validation (`validate` with the old object);
- delete: `graceful_delete`/`grace_period` (CheckGracefulDelete), `before_delete`,
  `deletion_pending` and `mark_deleting` (BeforeDelete's finalizer handling),
  `keeps_during_update` (ShouldDeleteDuringUpdate).

Special subresources are declared here too: `object_views` (GETs that show the object itself),
`create_subresources` (POST handlers such as pods/eviction), `stream_subresources` (GETs
answered as bytes: pods/log), `update_subresources` (writes
through the object's own update path, such as namespaces/finalize), and `create` for
create-only resources (`create_only`: `bindings`, TokenReview, SelfSubjectReview and the
access reviews).

The flags say what kube's strategies answer: NamespaceScoped comes from the catalog,
`has_generation` (metadata.generation maintained), `return_deleted_object`
(ReturnDeletedObject), `allow_create_on_update` (AllowCreateOnUpdate),
`allow_unconditional_update` (AllowUnconditionalUpdate); `allocates` says the kind's REST
storage allocates from a shared pool (Services: cluster IPs, node ports), whose writes the
Registry runs one at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import FieldError
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import Access
from fakekapi.registry.generic.engine import Engine, Streamed, WriteResult
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.generic.scale import ScalePaths
from fakekapi.registry.validation import NameFunc, name_rule
from fakekapi.store.base import Store

SubresourceStream = Callable[[Engine, str, str, Mapping[str, str]], Awaitable[Streamed]]
"""GET of a streamed subresource: (engine, namespace, name, query) → the bytes to send."""

SubresourceCreate = Callable[
    [Engine, str, str, dict[str, Any], WriteOptions, UserInfo | None],
    Awaitable[WriteResult],
]
"""POST to a subresource: (engine, namespace, name, body, options, user) → the response body
and its warnings."""


class Strategy:
    """The generic registry's rules; a kind's strategy subclasses it and overrides."""

    has_generation: ClassVar[bool] = False
    return_deleted_object: ClassVar[bool] = False
    allow_create_on_update: ClassVar[bool] = False
    generation_tracks_annotations: ClassVar[bool] = False
    """deploymentStrategy: an annotation change bumps metadata.generation too."""
    plain_precondition_conflicts: ClassVar[bool] = False
    """A failed delete precondition is a plain 409, not the etcd3 store's StorageError text
    (kinds with their own REST storage, such as namespaces)."""
    scale: ClassVar[ScalePaths | None] = None
    """The `scale` subresource's mapping, for built-in kinds that serve it."""
    object_views: ClassVar[frozenset[str]] = frozenset()
    """Subresources whose GET shows the object itself (pods/resize, ...)."""
    update_subresources: ClassVar[frozenset[str]] = frozenset()
    """Subresources written through the object's own update path besides `status`."""
    create_subresources: ClassVar[Mapping[str, SubresourceCreate]] = {}
    stream_subresources: ClassVar[Mapping[str, SubresourceStream]] = {}
    """Subresources whose GET streams bytes rather than an object (pods/log)."""
    graceful_delete: ClassVar[bool] = False
    """RESTGracefulDeleteStrategy: a delete sets deletionTimestamp + `grace_period` first."""
    allocates: ClassVar[bool] = False
    """Writes allocate from what the stored objects of the kind hold (Services' cluster IPs and
    node ports): the Registry runs them one at a time, as kube's allocators are atomic."""
    create_only: ClassVar[bool] = False
    """A create-only resource: `create` is the whole of POST (the generic path stores nothing)."""

    def __init__(self, rt: ResourceType) -> None:
        self.rt = rt
        self.name_fn: NameFunc = name_rule(rt.group, rt.plural)
        self.status_subresource = rt.subresource("status") is not None
        self.allow_unconditional_update = True

    # -- create and update ----------------------------------------------------------------------

    def on_decode(self, obj: dict[str, Any]) -> None:
        """What decoding into the internal type does (create, update and patch bodies)."""

    def create_status(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The status a new object starts with (None: the generic reset)."""
        return None

    def reset_status(self, obj: dict[str, Any]) -> None:
        """PrepareForCreate of a kind with a status subresource: drop what the client sent."""
        status = self.create_status(obj)
        if status is not None:
            obj["status"] = status
        elif self.status_subresource:
            obj["status"] = {}

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        """The rest of PrepareForCreate, after the status reset."""

    def prepare_for_update(
        self, new: dict[str, Any], old: dict[str, Any], subresource: str
    ) -> None:
        """PrepareForUpdate: what a write may not change, what it implies."""

    async def before_write(
        self, store: Store, op: str, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        """What the kind's REST storage does after admission, before validation (allocations)."""

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        """Validate / ValidateUpdate of the kind (old is None on create): field errors."""
        return []

    def canonicalize(self, obj: dict[str, Any]) -> None:
        """Canonicalize: after validation of a create, and again when a generated name changes."""

    async def create(
        self,
        engine: Engine,
        namespace: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        user: UserInfo | None,
    ) -> WriteResult:
        """POST of a create-only resource (`create_only`): the response body and its warnings
        (`created`: the 201 kube answers). By default the strategy's `answer`, for the
        (possibly impersonated) requester; a kind that writes through the engine overrides it."""
        requester = user if user is not None else UserInfo(name="")
        return WriteResult(self.answer(engine.access, namespace, obj, requester), created=True)

    def answer(
        self, access: Access, namespace: str, obj: dict[str, Any], user: UserInfo
    ) -> dict[str, Any]:
        """A create-only resource that only asks the server a question: the answer (a review
        with its status filled in)."""
        raise NotImplementedError

    # -- delete --------------------------------------------------------------------------------

    def grace_period(self, obj: dict[str, Any], requested: int | None) -> int:
        """CheckGracefulDelete of a `graceful_delete` kind: the grace period to apply."""
        return 0

    def before_delete(self, old: dict[str, Any]) -> None:
        """What a delete request does to the object before finalizers are looked at."""

    def deletion_pending(self, old: dict[str, Any]) -> bool:
        """Whether the object stays (deletionTimestamp set) besides its metadata.finalizers."""
        return False

    def mark_deleting(self, obj: dict[str, Any], first: bool) -> None:
        """The object kept for its finalizers: `first` when deletionTimestamp was just set."""
        if first:
            obj["metadata"]["deletionGracePeriodSeconds"] = 0

    def keeps_during_update(self, new: dict[str, Any]) -> bool:
        """ShouldDeleteDuringUpdate's extra holds, once metadata.finalizers are empty."""
        return False


class ReviewStrategy(Strategy):
    """A resource POST only asks a question of the server and stores nothing (kube's REST
    storages that implement just rest.Creater over the authenticator or authorizer: TokenReview,
    SelfSubjectReview, the access reviews): `answer` is the 201's body."""

    create_only = True


class GenerationStrategy(Strategy):
    """The generic rules plus metadata.generation: 1 on create, +1 on each spec change (the
    PrepareForCreate/PrepareForUpdate most kinds with a spec share)."""

    has_generation = True

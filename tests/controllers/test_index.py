"""The informer indexes: objects filed by namespace or by (namespace, label), moved when the
label changes and dropped when deleted."""

from __future__ import annotations

from fakekapi.client.informer import Handler
from fakekapi.controllers.endpointslice import SERVICE_NAME, _service_of_slice
from fakekapi.controllers.index import ControllerIndex, Index, NamespaceIndex
from fakekapi.core.objects import JSONDict


class Feed:
    """Calls the handlers as an informer does."""

    def __init__(self) -> None:
        self.handlers: list[Handler] = []

    def add_handler(self, handler: Handler) -> None:
        self.handlers.append(handler)

    def send(self, old: JSONDict | None, new: JSONDict | None) -> None:
        for handler in self.handlers:
            handler(old, new)


def slice_(name: str, service: str | None, ns: str = "default") -> JSONDict:
    labels = {SERVICE_NAME: service} if service else {}
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}}


def names(objs: list[JSONDict]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objs)


def test_a_label_index_follows_adds_label_changes_and_deletes() -> None:
    feed = Feed()
    by_service = Index(feed, _service_of_slice)
    by_ns = NamespaceIndex(feed)
    a, b, c = slice_("a-1", "a"), slice_("a-2", "a"), slice_("x", None, "other")
    for obj in (a, b, c):
        feed.send(None, obj)
    assert names(by_service.get(("default", "a"))) == ["a-1", "a-2"]
    assert by_service.get(("other", "")) == []
    assert names(by_ns.list("default")) == ["a-1", "a-2"]
    assert names(by_ns.list("other")) == ["x"]

    moved = slice_("a-2", "b")
    feed.send(b, moved)  # its label now names another Service
    assert names(by_service.get(("default", "a"))) == ["a-1"]
    assert by_service.get(("default", "b")) == [moved]
    unlabelled = slice_("a-1", None)
    feed.send(a, unlabelled)
    assert by_service.get(("default", "a")) == []
    assert names(by_ns.list("default")) == ["a-1", "a-2"]

    feed.send(moved, None)
    feed.send(unlabelled, None)
    assert by_service.get(("default", "b")) == []
    assert by_ns.list("default") == []
    assert names(by_ns.list("other")) == ["x"]


def pod(name: str, owner_uid: str | None, ns: str = "default") -> JSONDict:
    md: JSONDict = {"name": name, "namespace": ns}
    if owner_uid is not None:
        md["ownerReferences"] = [
            {"uid": "not-the-controller"},
            {"uid": owner_uid, "controller": True},
        ]
    return {"metadata": md}


def test_a_controller_index_files_owned_objects_and_orphans_apart() -> None:
    feed = Feed()
    index = ControllerIndex(feed)
    mine, theirs, orphan = pod("a", "rs-1"), pod("b", "rs-2"), pod("c", None)
    elsewhere = pod("d", None, "other")
    for obj in (mine, theirs, orphan, elsewhere):
        feed.send(None, obj)
    assert names(index.owned_by("default", "rs-1")) == ["a"]
    assert names(index.claimable_by("default", "rs-1")) == ["a", "c"]
    assert names(index.claimable_by("default", "rs-2")) == ["b", "c"]
    assert names(index.claimable_by("other", "rs-1")) == ["d"]

    adopted = pod("c", "rs-1")
    feed.send(orphan, adopted)  # adoption: no longer an orphan
    assert names(index.owned_by("default", "rs-1")) == ["a", "c"]
    assert names(index.claimable_by("default", "rs-2")) == ["b"]
    feed.send(mine, None)
    assert names(index.owned_by("default", "rs-1")) == ["c"]

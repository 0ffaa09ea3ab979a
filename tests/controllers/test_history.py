"""ControllerRevision history shared by the StatefulSet and DaemonSet controllers."""

from __future__ import annotations

from typing import Any

from fakekapi.controllers import history


def _revision(name: str, number: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": name}, "revision": number, "data": data}


async def test_a_template_that_comes_back_renumbers_its_old_revision() -> None:
    a, b = {"spec": {"template": {"a": 1}}}, {"spec": {"template": {"b": 1}}}
    revisions = [_revision("r1", 1, a), _revision("r2", 2, b)]
    written: list[dict[str, Any]] = []

    async def update(rev: dict[str, Any]) -> dict[str, Any]:
        written.append(rev)
        return rev

    assert await history.reuse_equal(revisions, b, update) is revisions[1]
    assert written == []
    found = await history.reuse_equal(revisions, a, update)
    assert found is not None and found["metadata"]["name"] == "r1" and found["revision"] == 3
    assert written == [found] and revisions[0]["revision"] == 1
    assert await history.reuse_equal(revisions, {"spec": {}}, update) is None
    assert history.next_revision(revisions) == 3 and history.next_revision([]) == 1


def test_a_new_revision_is_named_by_its_hash_and_owned() -> None:
    owner = {
        "metadata": {"name": "web", "namespace": "default", "uid": "u1"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}}},
    }
    data = history.revision_patch(owner)
    rev = history.new_revision(owner, "StatefulSet", data, 4, 0, "controller.kubernetes.io/hash")
    h = history.revision_hash(data, 0)
    assert rev["metadata"]["name"] == f"web-{h}" and rev["revision"] == 4
    assert rev["metadata"]["labels"] == {"app": "web", "controller.kubernetes.io/hash": h}
    assert rev["metadata"]["ownerReferences"][0]["uid"] == "u1"
    assert data["spec"]["template"]["$patch"] == "replace"

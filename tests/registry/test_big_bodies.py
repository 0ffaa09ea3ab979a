"""Big applied configurations are read on a worker thread: the result is the same as for a
small one (created, then updated, field ownership kept)."""

from __future__ import annotations

import yaml

from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import THREAD_DECODE_BYTES, Registry
from registry.registry_helpers import CONFIGMAPS

APPLY = "application/apply-patch+yaml"
OPTS = WriteOptions(field_manager="big", field_manager_given=True)


def _manifest(n: int, value: str) -> bytes:
    data = {f"k{i}": value for i in range(n)}
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data}
    return yaml.safe_dump(doc).encode()


async def test_big_apply_creates_then_updates(registry: Registry) -> None:
    body = _manifest(2000, "one")
    assert len(body) > THREAD_DECODE_BYTES
    created = await registry.patch(CONFIGMAPS, "default", "big", APPLY, body, OPTS)
    assert created.created and len(created.object["data"]) == 2000
    updated = await registry.patch(
        CONFIGMAPS, "default", "big", APPLY, _manifest(1000, "two"), OPTS
    )
    assert updated.object["data"] == {f"k{i}": "two" for i in range(1000)}
    (entry,) = updated.object["metadata"]["managedFields"]
    assert entry["manager"] == "big" and entry["operation"] == "Apply"


async def test_big_apply_with_bad_yaml_is_a_400(registry: Registry) -> None:
    from fakekapi.core.errors import StatusError

    body = _manifest(2000, "x") + b"\n  bad: [unclosed\n"
    try:
        await registry.patch(CONFIGMAPS, "default", "big", APPLY, body, OPTS)
    except StatusError as e:
        assert e.code == 400 and e.message.startswith("error converting YAML to JSON")
    else:
        raise AssertionError("a bad YAML body was applied")

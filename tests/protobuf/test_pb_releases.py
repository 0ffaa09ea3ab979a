"""Go JSON facts of fields only newer releases have: from that release's k8s.io/api Go types
(scripts/data/go_field_tags.json.gz, extract_go_tags.py), not inferred from `+optional` comments.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from fakekapi import protobuf
from fakekapi.protobuf.encoder import _len
from fakekapi.protobuf.schema import schema

MAGIC = b"k8s\x00"
GO_TAGS = Path(__file__).resolve().parents[2] / "scripts" / "data" / "go_field_tags.json.gz"
POINTER, OMITEMPTY, INLINE = 2, 4, 8


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    tm = _len(1, api_version.encode()) + _len(2, kind.encode())
    return MAGIC + _len(1, tm) + _len(2, raw)


def decode(release: str, api_version: str, kind: str, raw: bytes) -> dict[str, Any]:
    return protobuf.decode(envelope(api_version, kind, raw), release)[2]


METADATA = _len(1, _len(1, b"x"))  # ObjectMeta{name: "x"}


@pytest.mark.parametrize("release", ["1.34", "1.36"])
def test_value_struct_without_omitempty_is_written(release: str) -> None:
    """resource/v1 types.go: `Devices DeviceClaim json:"devices"` (a value, no omitempty, though
    commented `+optional`) and in it `Requests []DeviceRequest json:"requests"` (no omitempty):
    an empty spec decodes as Go's encoding/json writes it, `{"devices": {"requests": null}}`."""
    got = decode(release, "resource.k8s.io/v1", "ResourceClaim", METADATA + _len(2, b""))
    assert got["spec"] == {"devices": {"requests": None}}


def test_omitempty_map_of_a_kind_new_in_storage_v1() -> None:
    """storage/v1 VolumeAttributesClass (GA in 1.34): `Parameters map[string]string
    json:"parameters,omitempty"`, `DriverName string json:"driverName"`."""
    got = decode("1.36", "storage.k8s.io/v1", "VolumeAttributesClass", METADATA)
    assert "parameters" not in got
    assert got["driverName"] == ""


def test_go_field_names_and_pointers_of_new_fields() -> None:
    """Go field names and pointers come from the types: admissionregistration/v1 Mutation's
    `JSONPatch *JSONPatch json:"jsonPatch,omitempty"` (not `JsonPatch`)."""
    msg = schema("1.36").messages["k8s.io.api.admissionregistration.v1.Mutation"]
    field = msg.by_num[4]
    assert (field.json, field.go_name, field.pointer, field.omitempty) == (
        "jsonPatch",
        "JSONPatch",
        True,
        True,
    )


def test_every_recorded_fact_is_in_the_release_schema() -> None:
    doc = json.loads(gzip.decompress(GO_TAGS.read_bytes()))
    checked = 0
    for release, messages in doc["fields"].items():
        s = schema(release)
        for name, fields in messages.items():
            msg = s.messages.get(name)
            if msg is None:  # a Go type with no message in the release's .proto files
                continue
            for num, (jname, flags, go_name) in fields.items():
                f = msg.by_num.get(int(num))
                if f is None:
                    continue
                got = (f.json, f.pointer, f.omitempty, f.inline, f.go_name)
                want = (jname, bool(flags & POINTER), bool(flags & OMITEMPTY), bool(flags & INLINE))
                assert got == (*want, go_name), (release, name, num)
                checked += 1
            order = doc["order"].get(release, {}).get(name)
            if order:
                nums = [f.num for f in msg.order]
                assert nums == [n for n in order if n in msg.by_num], (release, name)
    assert checked > 1000


def test_every_release_schema_file_reads_the_same_with_orjson() -> None:
    """schema.py reads the generated files with orjson (faster at start): the values are
    json's, release by release."""
    folder = Path(protobuf.__file__).parent / "data" / "releases"
    files = sorted(folder.glob("*.json.gz"))
    assert len(files) >= 8
    for file in files:
        text = gzip.decompress(file.read_bytes())
        assert orjson.loads(text) == json.loads(text), file.name

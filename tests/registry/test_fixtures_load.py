"""Reading fixture manifests: the shapes kubectl accepts, and FILE:LINE on every error."""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from fakekapi.catalog.catalog import Catalog
from fakekapi.registry import fixtures
from fakekapi.registry.fixtures import (
    FixtureDocument,
    FixtureError,
    is_subset,
    last_applied,
    load_fixture_files,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def summary(docs: list[FixtureDocument]) -> list[tuple[str, int, str, str]]:
    return [(d.file.name, d.line, d.kind, d.name) for d in docs]


def load_error(paths: list[Path], catalog: Catalog | None = None) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixture_files(paths, catalog)
    return str(info.value)


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def test_multi_document_yaml_skips_empty_documents(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.yaml",
        "# leading comment\n"
        "---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n"  # line 3
        "---\n"
        "---\n"
        "# only a comment\n"
        "---\n"
        "apiVersion: v1\n"  # line 11
        "kind: ConfigMap\n"
        "metadata: {name: one, namespace: team}\n"
        "data: {created: 2024-01-01}\n",
    )
    docs = load_fixture_files([f])
    assert summary(docs) == [("a.yaml", 3, "Namespace", "team"), ("a.yaml", 11, "ConfigMap", "one")]
    assert docs[1].namespace == "team"
    # Timestamps stay strings, as YAML→JSON conversion in kube leaves them.
    assert docs[1].object["data"] == {"created": "2024-01-01"}
    assert docs[0].where == f"{f}:3"


def test_list_kinds_are_flattened_with_item_lines(tmp_path: Path) -> None:
    f = write(
        tmp_path / "list.yml",
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "- apiVersion: v1\n"  # line 4
        "  kind: ConfigMap\n"
        "  metadata: {name: a}\n"
        "- apiVersion: v1\n"  # line 7
        "  kind: ConfigMap\n"
        "  metadata: {name: b}\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: ConfigMapList\n"
        "items:\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n",  # line 14
    )
    assert summary(load_fixture_files([f])) == [
        ("list.yml", 4, "ConfigMap", "a"),
        ("list.yml", 7, "ConfigMap", "b"),
        ("list.yml", 14, "ConfigMap", "c"),
    ]


def test_json_files_single_stream_and_list(tmp_path: Path) -> None:
    f = write(
        tmp_path / "x.json",
        '{\n\t"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j1"}}\n'
        '{"apiVersion": "v1", "kind": "List", "items": [\n'  # line 3
        '  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j2"}},\n'  # line 4
        '\n  {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "j3"}}\n'  # line 6
        "]}\n",
    )
    assert summary(load_fixture_files([f])) == [
        ("x.json", 1, "ConfigMap", "j1"),
        ("x.json", 4, "ConfigMap", "j2"),
        ("x.json", 6, "Secret", "j3"),
    ]


def test_folders_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    d = tmp_path / "fx"
    write(d / "b.yaml", CM.format(name="b"))
    write(d / "a" / "z.yml", CM.format(name="a-z"))
    write(
        d / "a" / "c.json",
        json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a-c"}}),
    )
    write(d / "10.yaml", CM.format(name="ten"))
    write(d / "README.md", "not a manifest")
    write(d / "notes.txt", "apiVersion: nonsense")
    explicit = write(tmp_path / "extra.manifest", CM.format(name="explicit"))
    docs = load_fixture_files([d, explicit])
    assert [x.name for x in docs] == ["ten", "a-c", "a-z", "b", "explicit"]


def test_generate_name_is_enough(tmp_path: Path) -> None:
    f = write(
        tmp_path / "g.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-\n"
    )
    (doc,) = load_fixture_files([f])
    assert doc.name == ""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("kind: ConfigMap\nmetadata: {name: a}\n", 1, "apiVersion not set"),
        ("apiVersion: v1\nmetadata: {name: a}\n", 1, "kind not set"),
        ("metadata: {name: a}\n", 1, "apiVersion not set, kind not set"),
        (
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
            2,
            "metadata.name: Required value: name or generateName is required",
        ),
        (
            CM.format(name="ok") + "---\n\napiVersion: v1\nkind: ConfigMap\n",
            7,
            "metadata.name: Required value: name or generateName is required",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [1]\n",
            1,
            "metadata: expected a mapping, got a list",
        ),
        (
            "apiVersion: 1\nkind: ConfigMap\nmetadata: {name: a}\n",
            1,
            "apiVersion: expected a string, got a number",
        ),
        ("- a\n- b\n", 1, "expected a Kubernetes object (a mapping), got a list"),
        ("just a string\n", 1, "expected a Kubernetes object (a mapping), got a string"),
        (
            "apiVersion: v1\nkind: List\nitems:\n"
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n",
            4,
            "metadata.name: Required value: name or generateName is required",
        ),
        ("apiVersion: v1\nkind: List\nitems: 3\n", 1, "items: expected a list, got a number"),
        (
            "apiVersion: v1\nkind: List\nitems:\n- null\n",
            4,
            "expected a Kubernetes object, got null",
        ),
    ],
)
def test_document_errors_carry_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    f = write(tmp_path / "bad.yaml", text)
    assert load_error([f]) == f"{f}:{line}: {message}"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '{"apiVersion": "v1", "kind": "List", "items": [\n'
            '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},\n\n'
            '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}]}\n',
            4,
            "metadata.name: Required value: name or generateName is required",
        ),
        ('{"kind": "List", "items": [\n\n null]}', 1, "expected a Kubernetes object, got null"),
        (
            '\n{"kind": "List", "items": [\n{"kind": "List", "items": [\n'
            '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": [1]}]}]}',
            4,
            "metadata: expected a mapping, got a list",
        ),
    ],
)
def test_json_list_item_errors_carry_their_lines(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """A JSON file orjson decodes whole gets its items' lines only for a message: the same
    lines as the decoding that records them."""
    f = write(tmp_path / "bad.json", text)
    assert load_error([f]) == f"{f}:{line}: {message}"


def test_json_list_items_know_their_lines(tmp_path: Path) -> None:
    items = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}"}} for i in range(3)
    ]
    text = '{"kind": "List", "items": [\n' + ",\n\n".join(json.dumps(i) for i in items) + "]}"
    f = write(tmp_path / "many.json", text)
    docs = load_fixture_files([f])
    assert [(d.name, d.line) for d in docs] == [("c0", 2), ("c1", 4), ("c2", 6)]


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    f = write(tmp_path / "syntax.yaml", CM.format(name="a") + "---\napiVersion: v1\nkind: [oops\n")
    err = load_error([f])
    assert err.startswith(f"{f}:7: error parsing YAML: ")
    f2 = write(tmp_path / "indent.yaml", "apiVersion: v1\nkind: ConfigMap\n  bad: indent\n")
    assert load_error([f2]).startswith(
        f"{f2}:3: error parsing YAML: mapping values are not allowed"
    )


def test_json_syntax_error_has_its_line(tmp_path: Path) -> None:
    f = write(
        tmp_path / "bad.json", '{"apiVersion": "v1",\n "kind": "ConfigMap",\n "metadata": }\n'
    )
    assert load_error([f]) == f"{f}:3: error parsing JSON: Expecting value"


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    f = write(
        tmp_path / "tag.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: !!python/object:os.system {}\n",
    )
    assert load_error([f]).startswith(f"{f}:3: error parsing YAML: ")


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert load_error([missing]) == f'{missing}: the path "{missing}" does not exist'


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xe9}\n")
    assert load_error([f]).startswith(f"{f}: not UTF-8 text")


def test_unknown_kinds_against_the_catalog(tmp_path: Path) -> None:
    catalog = Catalog.builtin()
    f = write(
        tmp_path / "k.yaml",
        CM.format(name="fine") + "---\napiVersion: v1\nkind: Foo\nmetadata: {name: x}\n",
    )
    assert load_error([f], catalog) == f'{f}:6: no matches for kind "Foo" in version "v1"'
    g = write(tmp_path / "v.yaml", "apiVersion: apps/v2\nkind: Deployment\nmetadata: {name: x}\n")
    assert (
        load_error([g], catalog) == f'{g}:1: no matches for kind "Deployment" in version "apps/v2"'
    )
    # Without a catalog, kinds are not checked.
    assert len(load_fixture_files([f])) == 2


def test_kinds_from_crds_in_the_same_fixtures_are_known(tmp_path: Path) -> None:
    f = write(
        tmp_path / "crd.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
        "---\n"
        "apiVersion: apiextensions.k8s.io/v1\n"
        "kind: CustomResourceDefinition\n"
        "metadata: {name: widgets.example.com}\n"
        "spec:\n"
        "  group: example.com\n"
        "  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}\n"
        "  scope: Namespaced\n"
        "  versions:\n"
        "  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}\n",
    )
    docs = load_fixture_files([f], Catalog.builtin())
    assert [d.kind for d in docs] == ["Widget", "CustomResourceDefinition"]
    g = write(
        tmp_path / "other.yaml", "apiVersion: example.com/v2\nkind: Widget\nmetadata: {name: w}\n"
    )
    assert load_error([f, g], Catalog.builtin()) == (
        f'{g}:1: no matches for kind "Widget" in version "example.com/v2"'
    )


def test_cluster_scoped_kinds_with_a_namespace_load(tmp_path: Path) -> None:
    f = write(
        tmp_path / "cr.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata: {name: r, namespace: ignored}\nrules: []\n",
    )
    (doc,) = load_fixture_files([f], Catalog.builtin())
    assert doc.namespace == "ignored"  # dropped when applied, as kube-apiserver does


def test_last_applied_is_what_kubectl_writes() -> None:
    obj = {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "a", "namespace": "default"},
        "data": {"html": "<b>&</b>", "é": "ü"},
    }
    assert last_applied(obj) == (
        '{"apiVersion":"v1","data":{"html":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","é":"ü"},'
        '"kind":"ConfigMap","metadata":{"annotations":{},"name":"a","namespace":"default"}}\n'
    )


def test_is_subset() -> None:
    live = {"a": 1, "b": {"c": [1, {"d": 2, "e": 3}]}, "t": True}
    assert is_subset({"a": 1, "b": {"c": [1, {"d": 2}]}}, live)
    assert is_subset({"x": None, "y": {}, "z": [], "w": ""}, live)
    assert not is_subset({"a": 2}, live)
    assert not is_subset({"b": {"c": [1]}}, live)
    assert not is_subset({"t": 1}, live)
    assert not is_subset({"q": 1}, live)


JSON_CORPUS = [
    '{"kind":"List","items":[{"a":1},{"kind":"List","items":[{"b":2}, null, 3]}],'
    '"x":{"items":[{"c":1}]}}',
    ' \n[1,2]\n{"a":"b"}  {"kind":"ConfigMapList","apiVersion":"v1","items":[\n{"kind":"A"},\n'
    ' {"kind":"B","metadata":{"name":"x"}}]}',
    '{"items": [], "kind": "List"}',
    '"text"',
    "{}",
    '{"a":{"items":[{"x":1}]}, "a":2}',
    '{"items":[{"k":1,"k":2}]}',
    '{"kind":"List","items":[{"data":{"\\u00e9":"\\u2028"}} ,\n\t{"n":1e3,"f":-0.5,"t":true}]}',
    '{\n"items":\n[\n{"items":[\n{"a":1}\n]}\n,\n{}]}',
    '\n\n  {"kind":"List","items":[\n{"n":NaN},\n{"big":123456789012345678901234567890}]}',
    '{"kind":"List",\n"items":[\n{"a":1},\n\n{"kind":"List","items":[\n{"b":2}]},\n7]}\n',
]


@pytest.mark.parametrize("text", JSON_CORPUS)
def test_json_documents_read_as_the_recording_decoder_reads_them(text: str) -> None:
    """The C-scanner walk gives the values and List item lines of the recording decoder."""

    def recorded() -> list[tuple[Any, int, dict[int, int]]]:
        starts: dict[int, int] = {}
        decoder = fixtures._positions_decoder(starts)
        newlines = [i for i, c in enumerate(text) if c == "\n"]
        out, pos = [], 0
        while (pos := fixtures._skip_whitespace(text, pos)) < len(text):
            starts.clear()
            value, end = decoder.raw_decode(text, pos)
            lines = {k: bisect.bisect_left(newlines, v) + 1 for k, v in starts.items()}
            out.append((value, bisect.bisect_left(newlines, pos) + 1, lines))
            pos = end
        return out

    def item_lines(value: Any, lines: Mapping[int, int], default: int) -> list[int]:
        out: list[int] = []
        if isinstance(value, dict) and isinstance(value.get("items"), list):
            for item in value["items"]:
                line = lines.get(id(item), default)
                out += [line, *item_lines(item, lines, line)]
        return out

    walked = list(fixtures._json_documents(Path("x.json"), text))
    expected = recorded()
    assert [(v, line) for v, line, _ in walked] == [(v, line) for v, line, _ in expected]
    for (v, line, lines), (ev, eline, elines) in zip(walked, expected, strict=True):
        assert item_lines(v, lines, line) == item_lines(ev, elines, eline)

"""Fixture manifests: read Kubernetes objects from files the way kubectl does, and apply them.

Files and folders are taken as `kubectl apply -f` takes them: folders are walked recursively in
sorted order picking `.yaml`, `.yml` and `.json` files; a file named explicitly is read whatever its
extension; YAML may hold many documents (empty ones are skipped); a JSON file may hold a stream of
objects; `kind: List` (and any `*List` with `items`) is flattened. Every document remembers the file
and line it starts at, so a bad fixture stops start-up with `FILE:LINE: what is wrong`.

Applying is create-or-update, ending in the state `kubectl apply` would leave (including the
`kubectl.kubernetes.io/last-applied-configuration` annotation, so a later `kubectl apply` of the
same files computes its three-way diff as usual). Namespaces and CustomResourceDefinitions go first.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import json.scanner
import logging
import re
from bisect import bisect_left
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict
from fakekapi.registry.generic.bulk import BULK_CHUNK, gather_all, quick_handoffs
from fakekapi.registry.generic.keys import object_key
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    import yaml

    from fakekapi.catalog.catalog import Catalog
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

log = logging.getLogger(__name__)

EXTENSIONS = (".yaml", ".yml", ".json")
"""File name endings picked up when walking a folder (kubectl's FileExtensions)."""

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
FIELD_MANAGER = "kubectl-client-side-apply"
"""Fixtures are written as `kubectl apply` writes, so managedFields read the same."""

CRD_GROUP = "apiextensions.k8s.io"
CRD_WAIT_SECONDS = 5.0
"""How long apply waits for the types of CRDs from the same fixtures to be served."""


class FixtureError(Exception):
    """A fixture that cannot be read or applied; `str()` is `FILE:LINE: message`."""

    def __init__(self, file: Path | str, line: int | None, message: str) -> None:
        self.file = Path(file)
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line else f"{file}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class FixtureDocument:
    """One Kubernetes object from a fixture file, with where it came from."""

    file: Path
    """The file the object was read from."""
    object: JSONDict
    """The object as written (never changed by apply)."""
    line_of: Callable[[], int] = field(compare=False, repr=False)
    """The 1-based line where the document (or the List item) starts, found when first asked:
    the lines of a JSON List's items take a second, slower read of the file, which only a
    message about one of them needs."""

    @property
    def line(self) -> int:
        return self.line_of()

    @property
    def where(self) -> str:
        """`FILE:LINE`, the prefix of every message about this document."""
        return f"{self.file}:{self.line}"

    @property
    def api_version(self) -> str:
        return str(self.object["apiVersion"])

    @property
    def kind(self) -> str:
        return str(self.object["kind"])

    @property
    def group_version(self) -> tuple[str, str]:
        """(group, version) of apiVersion; the core group is ""."""
        return split_api_version(self.api_version)

    @property
    def name(self) -> str:
        md = self.object.get("metadata") or {}
        return str(md.get("name") or "")

    @property
    def namespace(self) -> str:
        md = self.object.get("metadata") or {}
        return str(md.get("namespace") or "")

    def error(self, message: str) -> FixtureError:
        return FixtureError(self.file, self.line, message)


Document = FixtureDocument
"""The name the shared contract uses."""


@dataclass
class FixtureReport:
    """Every problem of a set of fixtures rather than the first: what `fakekapi fixtures check`
    reports. Given to the loader and to apply_fixtures, they record each bad document here (with
    kube's message, exactly the one `serve --fixtures` would stop with) and go on with the rest."""

    documents: int = 0
    """Documents read (bad ones included, when they could be read at all)."""
    errors: list[FixtureError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    """The files read, in order: errors are sorted by file, then line."""

    def add(self, error: FixtureError) -> None:
        self.errors.append(error)

    def sorted_errors(self) -> list[FixtureError]:
        order = {f: i for i, f in enumerate(self.files)}
        unique = {str(e): e for e in self.errors}.values()
        return sorted(unique, key=lambda e: (order.get(e.file, len(order)), e.line or 0))


def _report(error: FixtureError, report: FixtureReport | None) -> None:
    """Raise `error` (serve: the first problem stops start-up), or record it and go on."""
    if report is None:
        raise error
    report.add(error)


def split_api_version(api_version: str) -> tuple[str, str]:
    """`apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`)."""
    group, _, version = api_version.rpartition("/")
    return group, version


# --------------------------------------------------------------------------------------------
# Reading files


def load_fixture_files(
    paths: Sequence[Path], catalog: Catalog | None = None, report: FixtureReport | None = None
) -> list[FixtureDocument]:
    """Every object in `paths` (files or folders), in order; raises FixtureError.

    With a catalog, kinds are checked the way kubectl's REST mapper checks them (kinds defined by
    CustomResourceDefinitions in the same fixtures count as known). With a `report`, problems are
    recorded there instead and the bad documents left out: a file that does not parse adds its
    error and no documents, a bad document its error, and reading goes on.
    """
    docs: list[FixtureDocument] = []
    for path in paths:
        try:
            files = list(_expand(Path(path)))
        except FixtureError as e:
            _report(e, report)
            continue
        for file in files:
            if report is not None:
                report.files.append(file)
            docs.extend(_load_file(file, report))
    if report is not None:
        report.documents += len(docs)
    if catalog is not None:
        docs = known_kinds(docs, catalog, report)
    return docs


def known_kinds(
    docs: Sequence[FixtureDocument], catalog: Catalog, report: FixtureReport | None = None
) -> list[FixtureDocument]:
    """The documents whose kinds the catalog serves or the fixtures' own CRDs define, checked as
    kubectl's REST mapper checks them; an unknown kind is raised (or recorded in `report`)."""
    crd_kinds = _crd_kinds(docs)
    known = []
    for doc in docs:
        group, version = doc.group_version
        if catalog.by_kind(group, version, doc.kind) is None and (
            (group, version, doc.kind) not in crd_kinds
        ):
            _report(doc.error(no_matches(doc)), report)
        else:
            known.append(doc)
    return known


def no_matches(doc: FixtureDocument) -> str:
    """kubectl's REST mapper message for an unknown kind."""
    return f"no matches for kind {json.dumps(doc.kind)} in version {json.dumps(doc.api_version)}"


def _expand(path: Path) -> Iterator[Path]:
    """The files a path names: itself, or a folder's fixture files walked in sorted order."""
    if path.is_dir():
        yield from _walk(path)
    elif path.exists():
        yield path
    else:
        raise FixtureError(path, None, f"the path {json.dumps(str(path))} does not exist")


def _walk(folder: Path) -> Iterator[Path]:
    # Like filepath.Walk: entries in lexical order, folders descended where they sort,
    # symbolic links to folders not followed.
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.is_dir():
            if not entry.is_symlink():
                yield from _walk(entry)
        elif entry.name.endswith(EXTENSIONS):
            yield entry


def _load_file(file: Path, report: FixtureReport | None = None) -> list[FixtureDocument]:
    """The file's documents; a bad document is raised, or recorded in `report` and skipped (a
    syntax error ends the file: what follows it cannot be read reliably)."""
    out: list[FixtureDocument] = []
    try:
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except OSError as e:
            raise FixtureError(file, None, e.strerror or str(e)) from e
        except UnicodeDecodeError as e:
            raise FixtureError(file, None, f"not UTF-8 text: {e.reason}") from e
        if file.suffix == ".json" or text.lstrip().startswith("{"):
            raw = _json_documents(file, text)
        else:
            raw = _yaml_documents(file, text)
        for value, line, lines in raw:
            try:
                _collect(file, value, partial(int, line), lines, out)
            except FixtureError as e:
                _report(e, report)
    except FixtureError as e:
        _report(e, report)
    return out


LineOf = Mapping[int, int]
"""id(list item) → its 1-based line, for the items of Lists."""


def _collect(
    file: Path, value: Any, line: Callable[[], int], lines: LineOf, out: list[FixtureDocument]
) -> None:
    """Check one document and add it, or flatten a List into its items. `line` gives the
    document's line (asked only for a message)."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise FixtureError(
            file, line(), f"expected a Kubernetes object (a mapping), got {_json_type(value)}"
        )
    kind = value.get("kind")
    items = value.get("items")
    if isinstance(kind, str) and kind.endswith("List") and "items" in value:
        if not isinstance(items, list):
            raise FixtureError(file, line(), f"items: expected a list, got {_json_type(items)}")
        for item in items:
            item_line = partial(_item_line, lines, id(item), line)
            if item is None:
                raise FixtureError(file, item_line(), "expected a Kubernetes object, got null")
            _collect(file, item, item_line, lines, out)
        return
    problem = _object_problem(value)
    if problem:
        raise FixtureError(file, line(), problem)
    out.append(FixtureDocument(file=file, object=value, line_of=line))


def _item_line(lines: LineOf, item: int, parent: Callable[[], int]) -> int:
    """A List item's line: its own where recorded (objects), else its List's."""
    found = lines.get(item)
    return found if found is not None else parent()


def _object_problem(obj: JSONDict) -> str:
    """What makes a document no Kubernetes object ("" if nothing)."""
    missing = [f"{f} not set" for f in ("apiVersion", "kind") if not obj.get(f)]
    if missing:
        return ", ".join(missing)
    for f in ("apiVersion", "kind"):
        if not isinstance(obj[f], str):
            return f"{f}: expected a string, got {_json_type(obj[f])}"
    md = obj.get("metadata")
    if md is None:
        md = {}
    if not isinstance(md, dict):
        return f"metadata: expected a mapping, got {_json_type(md)}"
    for f in ("name", "generateName", "namespace"):
        if f in md and md[f] is not None and not isinstance(md[f], str):
            return f"metadata.{f}: expected a string, got {_json_type(md[f])}"
    if not md.get("name") and not md.get("generateName"):
        return "metadata.name: Required value: name or generateName is required"
    return ""


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return type(v).__name__


# YAML ---------------------------------------------------------------------------------------


def _yaml_documents(file: Path, text: str) -> Iterator[tuple[Any, int, LineOf]]:
    """(value, line, item lines) per YAML document; empty documents come out as None."""
    import yaml

    from fakekapi.core import yamljson

    loader = yamljson.Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            value = yamljson.jsonable(loader.construct_document(node), len(text))
            yield value, node.start_mark.line + 1, _item_lines(node, value)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if e.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            mark = e.context_mark  # unclosed at the end of the file: point at where it opened
        line = mark.line + 1 if mark is not None else None
        problem = e.problem or "invalid YAML"
        if e.context:
            problem = f"{e.context}: {problem}"
        raise FixtureError(file, line, f"error parsing YAML: {problem}") from e
    except yaml.YAMLError as e:
        raise FixtureError(file, None, f"error parsing YAML: {e}") from e
    finally:
        loader.dispose()


def _item_lines(node: yaml.Node, value: Any) -> dict[int, int]:
    """Lines of the `items` of a List document (nested Lists included)."""
    import yaml

    lines: dict[int, int] = {}
    if not (isinstance(node, yaml.MappingNode) and isinstance(value, dict)):
        return lines
    items = value.get("items")
    if not isinstance(items, list):
        return lines
    for key_node, value_node in node.value:
        if getattr(key_node, "value", None) == "items" and isinstance(
            value_node, yaml.SequenceNode
        ):
            for item_node, item in zip(value_node.value, items, strict=False):
                lines[id(item)] = item_node.start_mark.line + 1
                lines.update(_item_lines(item_node, item))
    return lines


# JSON ---------------------------------------------------------------------------------------


def _json_documents(file: Path, text: str) -> Iterator[tuple[Any, int, LineOf]]:
    """(value, line, item lines) per JSON value of a stream of concatenated JSON values.

    A file of one value orjson reads (the usual case) is decoded by it whole, and where its List
    items start is worked out only if a message asks (`_LaterLines`): ~3x faster for 10,000
    ConfigMaps. Anything else (several values, NaN, huge integers, a syntax error to word) goes
    the way that records positions while it decodes."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    else:
        pos = _skip_whitespace(text, 0)
        yield value, text.count("\n", 0, pos) + 1, _LaterLines(text, value)
        return
    yield from _json_stream(file, text)


class _LaterLines(Mapping[int, int]):
    """The item lines of a JSON document decoded without positions: on first use, the text is
    read again the recording way and its items paired with the decoded ones, in order."""

    def __init__(self, text: str, value: Any) -> None:
        self._source: tuple[str, Any] | None = (text, value)
        self._lines: dict[int, int] = {}

    def _found(self) -> dict[int, int]:
        if self._source is not None:
            text, value = self._source
            self._source = None
            again, _, lines = next(_json_stream(Path(), text))
            _pair(value, again, lines, self._lines)
        return self._lines

    def __getitem__(self, item: int) -> int:
        return self._found()[item]

    def __iter__(self) -> Iterator[int]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


def _pair(value: Any, again: Any, lines: Mapping[int, int], out: dict[int, int]) -> None:
    """Copy the lines of `again`'s List items (nested too) to the same items of `value`."""
    if not (isinstance(value, dict) and isinstance(again, dict)):
        return
    items, items_again = value.get("items"), again.get("items")
    if isinstance(items, list) and isinstance(items_again, list):
        for item, item_again in zip(items, items_again, strict=False):
            line = lines.get(id(item_again))
            if line is not None:
                out[id(item)] = line
            _pair(item, item_again, lines, out)


def _json_stream(file: Path, text: str) -> Iterator[tuple[Any, int, LineOf]]:
    """`_json_documents` for any text, recording where each List item starts as it decodes."""
    starts: dict[int, int] = {}
    decoder = _positions_decoder(starts)
    newlines: list[int] | None = None
    pos = 0
    while True:
        pos = _skip_whitespace(text, pos)
        if pos >= len(text):
            return
        starts.clear()
        try:
            value, end = _items_walk(text, pos, starts)
        except Exception:  # anything unusual: the recording decoder, which words the errors
            starts.clear()
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as e:
                raise FixtureError(file, e.lineno, f"error parsing JSON: {e.msg}") from e
        if newlines is None:  # offsets of every newline, once: a line is a binary search
            newlines = [m.start() for m in re.finditer("\n", text)]
        line = bisect_left(newlines, pos) + 1
        lines = {k: bisect_left(newlines, v) + 1 for k, v in starts.items()}
        yield value, line, lines
        pos = end


_C_SCAN: Callable[[str, int], tuple[Any, int]] = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009
"""The C scanner json.loads uses (one value from an offset)."""
_SPACE = re.compile(r"[ \t\n\r]*")


class _NotPlain(Exception):
    """A document `_items_walk` leaves to the recording decoder (a repeated key)."""


def _items_walk(text: str, pos: int, starts: dict[int, int]) -> tuple[Any, int]:
    """`raw_decode(text, pos)` with the C scanner, recording where every object of an `items`
    array starts (`starts`: id → offset of its `{`), nested ones too: the lines `_collect` reports
    List items by. Objects along the way are read key by key, every other value whole by the C
    scanner, so a List of 10,000 objects costs ~10,000 steps of Python instead of one per token
    (the recording decoder, the pure-Python scanner, took ~1.5 s for 10,000 ConfigMaps).
    Raises on anything but a well-formed value (the caller then uses the recording decoder)."""
    pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
    if text[pos] != "{":
        return _C_SCAN(text, pos)
    return _walk_object(text, pos, starts)


def _walk_object(text: str, pos: int, starts: dict[int, int]) -> tuple[dict[str, Any], int]:
    obj: dict[str, Any] = {}
    space = _SPACE.match
    pos = space(text, pos + 1).end()  # type: ignore[union-attr]
    if text[pos] == "}":
        return obj, pos + 1
    while True:
        if text[pos] != '"':
            raise _NotPlain
        key, pos = _C_SCAN(text, pos)
        pos = space(text, pos).end()  # type: ignore[union-attr]
        if text[pos] != ":" or key in obj:
            raise _NotPlain
        pos = space(text, pos + 1).end()  # type: ignore[union-attr]
        if key == "items" and text[pos] == "[":
            obj[key], pos = _walk_items(text, pos, starts)
        else:
            obj[key], pos = _C_SCAN(text, pos)
        pos = space(text, pos).end()  # type: ignore[union-attr]
        if text[pos] == "}":
            return obj, pos + 1
        if text[pos] != ",":
            raise _NotPlain
        pos = space(text, pos + 1).end()  # type: ignore[union-attr]


def _walk_items(text: str, pos: int, starts: dict[int, int]) -> tuple[list[Any], int]:
    items: list[Any] = []
    space = _SPACE.match
    pos = space(text, pos + 1).end()  # type: ignore[union-attr]
    if text[pos] == "]":
        return items, pos + 1
    while True:
        if text[pos] == "{":
            start = pos
            # An item is read whole by the C scanner; only a List among the items (its own
            # `items` to record) is read again key by key.
            item, end = _C_SCAN(text, pos)
            if isinstance(item.get("items"), list):
                item, end = _walk_object(text, pos, starts)
            pos = end
            starts[id(item)] = start
        else:
            item, pos = _C_SCAN(text, pos)
        items.append(item)
        pos = space(text, pos).end()  # type: ignore[union-attr]
        if text[pos] == "]":
            return items, pos + 1
        if text[pos] != ",":
            raise _NotPlain
        pos = space(text, pos + 1).end()  # type: ignore[union-attr]


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _positions_decoder(starts: dict[int, int]) -> json.JSONDecoder:
    """A JSON decoder that records where every object starts (id(object) → offset).

    It swaps the decoder's object parser for a recording wrapper and rebuilds the (pure-Python)
    scanner so the wrapper is used; the values decoded are exactly json.loads's.
    """
    decoder: Any = json.JSONDecoder()
    parse_object = decoder.parse_object

    def record(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        obj, end = parse_object(s_and_end, *args)
        starts[id(obj)] = s_and_end[1] - 1
        return obj, end

    decoder.parse_object = record
    decoder.scan_once = getattr(json.scanner, "py_make_scanner")(decoder)  # noqa: B009
    result: json.JSONDecoder = decoder
    return result


# --------------------------------------------------------------------------------------------
# CRDs among the fixtures


def _is_crd(doc: FixtureDocument) -> bool:
    return doc.group_version[0] == CRD_GROUP and doc.kind == "CustomResourceDefinition"


def _is_namespace(doc: FixtureDocument) -> bool:
    return doc.api_version == "v1" and doc.kind == "Namespace"


ADMISSION_READS: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "ServiceAccount"),
        ("", "LimitRange"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("storage.k8s.io", "StorageClass"),
    }
)
"""(group, kind) of the objects admission reads when others are created (the ServiceAccount,
LimitRanger, Priority and DefaultStorageClass plugins): applied before the rest, so a Pod or a
claim in the same fixtures is judged with them in place wherever the file has them (as Helm's
InstallOrder puts these kinds before workloads)."""


def _key_kind(doc: FixtureDocument) -> tuple[str, str]:
    return doc.group_version[0], doc.kind


def _crd_kinds(docs: Sequence[FixtureDocument]) -> set[tuple[str, str, str]]:
    """(group, version, kind) of the custom resources the fixtures' CRDs define."""
    out: set[tuple[str, str, str]] = set()
    for doc in docs:
        if not _is_crd(doc):
            continue
        spec = doc.object.get("spec")
        if not isinstance(spec, dict):
            continue
        group, names = spec.get("group"), spec.get("names")
        kind = names.get("kind") if isinstance(names, dict) else None
        if not isinstance(group, str) or not isinstance(kind, str):
            continue
        versions = spec.get("versions")
        if isinstance(versions, list):
            for v in versions:
                if isinstance(v, dict) and isinstance(v.get("name"), str):
                    out.add((group, v["name"], kind))
        if isinstance(spec.get("version"), str):
            out.add((group, spec["version"], kind))
    return out


# --------------------------------------------------------------------------------------------
# Applying


CHUNK = BULK_CHUNK // 2
"""Documents applied together (one store transaction). Half a bulk write's chunk, as two are in
flight at once in the last phase: 10,000 ConfigMaps left the server 6 MiB bigger at ready with
two chunks of BULK_CHUNK (more memory touched at the peak, which the allocator keeps)."""


async def apply_fixtures(
    registry: Registry, docs: Sequence[FixtureDocument], report: FixtureReport | None = None
) -> None:
    """Create or update every document: Namespaces and CRDs first, then what admission reads
    (ADMISSION_READS), then the rest in file order.

    Registry errors come back as FixtureError with the document's FILE:LINE and kube's message;
    with a `report` they are recorded there and the other documents still applied.
    """
    first = [d for d in docs if _is_namespace(d) or _is_crd(d)]
    later = [d for d in docs if not (_is_namespace(d) or _is_crd(d))]
    read_by_admission = [d for d in later if _key_kind(d) in ADMISSION_READS]
    rest = [d for d in later if _key_kind(d) not in ADMISSION_READS]
    crd_kinds = _crd_kinds(docs)

    async def apply(doc: FixtureDocument) -> None:
        try:
            rt = await _resource_type(registry, doc, crd_kinds)
            try:
                await _apply_one(registry, rt, doc)
            except StatusError as e:
                raise doc.error(e.message) from e
        except FixtureError as e:
            _report(e, report)

    # Documents are applied a chunk at a time, concurrently, so the store commits each chunk in
    # one transaction (group commit). Writes in one chunk do not see each other (the store shows
    # a write once it is committed), so what creating another object reads comes in an earlier
    # phase: Namespaces and CRDs, then what admission reads (Services, whose creates allocate,
    # are written one at a time by the Registry); a document naming an object already in the
    # chunk starts the next one, so repeated documents still apply in file order and the last
    # one wins. In the last phase a chunk is prepared while the one before it commits (the
    # store's thread writes while the event loop decodes, validates and admits), unless it names
    # an object of that chunk.
    for group in (first, read_by_admission):
        for chunk, _ in _chunks(group):
            await gather_all(apply(doc) for doc in chunk)
    with quick_handoffs():
        await _pipelined(registry, rest, apply)


async def _pipelined(
    registry: Registry,
    docs: Sequence[FixtureDocument],
    apply: Callable[[FixtureDocument], Coroutine[Any, Any, None]],
) -> None:
    """Apply `docs` a chunk at a time, each chunk prepared while the one before it commits."""
    in_flight: list[asyncio.Future[None]] = []  # at most two chunks: one commits, one is prepared
    try:
        for chunk, follows in _chunks(docs):
            if follows and in_flight:
                await in_flight.pop()
            tasks = [asyncio.ensure_future(apply(doc)) for doc in chunk]
            in_flight.append(asyncio.ensure_future(gather_all(tasks)))
            # The next chunk starts once the store has taken this one's writes (its tasks run up
            # to them in the next turn of the loop): started at once, both chunks were prepared
            # in the same turns of the loop and committed as one batch, the loop idle meanwhile.
            await asyncio.sleep(0)
            await registry.store.drained()
            if len(in_flight) == 2:
                await in_flight.pop(0)
        while in_flight:
            await in_flight.pop(0)
    finally:  # a failed chunk (the store's error) leaves no other chunk running
        for pending in in_flight:
            with contextlib.suppress(Exception):
                await pending


def _chunks(docs: Sequence[FixtureDocument]) -> Iterator[tuple[list[FixtureDocument], bool]]:
    """Consecutive documents, at most CHUNK at a time, never two for the same object; with
    each chunk, whether it names an object of the chunk before it."""
    chunk: list[FixtureDocument] = []
    seen: set[tuple[str, str, str, str]] = set()
    before: set[tuple[str, str, str, str]] = set()
    follows = False
    for doc in docs:
        md = doc.object.get("metadata") or {}
        name = md.get("name") if isinstance(md, dict) else None
        ident = (doc.api_version, doc.kind, str(md.get("namespace") or ""), str(name or ""))
        if len(chunk) >= CHUNK or (name and ident in seen):
            yield chunk, follows
            chunk, before, seen, follows = [], seen, set(), False
        chunk.append(doc)
        if name:
            seen.add(ident)
            follows = follows or ident in before
    if chunk:
        yield chunk, follows


async def _resource_type(
    registry: Registry, doc: FixtureDocument, crd_kinds: set[tuple[str, str, str]]
) -> ResourceType:
    group, version = doc.group_version
    rt: ResourceType | None = registry.catalog.by_kind(group, version, doc.kind)
    if rt is None and (group, version, doc.kind) in crd_kinds:
        # A CRD from the same fixtures: its type is served once the CRD is established.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CRD_WAIT_SECONDS
        while rt is None and loop.time() < deadline:
            await asyncio.sleep(0.05)
            rt = registry.catalog.by_kind(group, version, doc.kind)
    if rt is None:
        raise doc.error(no_matches(doc))
    return rt


async def _apply_one(registry: Registry, rt: ResourceType, doc: FixtureDocument) -> None:
    # Copies of only what is changed here (the object, its metadata and annotations): the
    # registry's create and update deep-copy what they are given before changing anything.
    obj = dict(doc.object)
    md = obj.get("metadata")
    md = obj["metadata"] = dict(md) if isinstance(md, dict) else {}
    if rt.namespaced:
        namespace = md.get("namespace") or "default"
        md["namespace"] = namespace
    else:
        # As kube-apiserver does for cluster-scoped kinds: a namespace in the body is dropped.
        namespace = ""
        md.pop("namespace", None)
    annotations = md.get("annotations")
    annotations = md["annotations"] = dict(annotations) if isinstance(annotations, dict) else {}
    annotations.pop(LAST_APPLIED, None)
    annotations[LAST_APPLIED] = last_applied(obj)

    opts = WriteOptions(field_manager=FIELD_MANAGER, field_validation="Strict")
    name = md.get("name")
    if not name:  # generateName: every apply makes a new object, as `kubectl create` would
        await _write(registry, rt, doc, registry.create(rt, namespace, obj, opts))
        return
    for _ in range(5):
        live = await _live(registry, rt, namespace, name)
        if live is None:
            try:
                await _write(registry, rt, doc, registry.create(rt, namespace, obj, opts))
                return
            except StatusError as e:
                if e.reason != "AlreadyExists":
                    raise
                continue
        if is_subset(obj, live):
            return  # `kubectl apply` would report "unchanged" and send nothing
        desired = _copy(obj)
        desired["metadata"]["resourceVersion"] = live.get("metadata", {}).get("resourceVersion")
        try:
            await _write(registry, rt, doc, registry.update(rt, namespace, name, desired, opts))
            return
        except StatusError as e:
            if e.reason != "Conflict":
                raise
    raise doc.error(f"{rt.qualified} {json.dumps(name)} kept changing while being applied")


async def _live(
    registry: Registry, rt: ResourceType, namespace: str, name: str
) -> dict[str, Any] | None:
    """The stored object, or None when there is none. One not stored yet (the usual case on a
    first start) is known from its key alone, without asking the registry for its 404."""
    if registry.store.revision_of(object_key(rt, namespace, name)) is None:
        return None
    try:
        return await registry.get(rt, namespace, name)
    except StatusError as e:
        if e.code != 404:
            raise
        return None


async def _write(registry: Registry, rt: ResourceType, doc: FixtureDocument, op: Any) -> None:
    result = await op
    for warning in result.warnings:
        log.warning("%s: %s", doc.where, warning)


def _copy(obj: JSONDict) -> JSONDict:
    """A deep copy of a JSON value (orjson round trip: ~10x copy.deepcopy's speed; deepcopy for
    what orjson refuses, such as nesting past its limit, which the registry then reports)."""
    try:
        out: JSONDict = orjson.loads(orjson.dumps(obj))
    except (TypeError, orjson.JSONDecodeError):
        return copy.deepcopy(obj)
    return out


def last_applied(obj: JSONDict) -> str:
    """The annotation value kubectl writes: the manifest (annotation excluded) as Go marshals it.

    Go's encoding/json sorts map keys, writes no spaces and escapes <, > and & as \\u003c etc.
    """
    # Shallow copies down to the annotations: nothing else is changed, and json.dumps only reads.
    md = obj.get("metadata")
    md = dict(md) if isinstance(md, dict) else {}
    annotations = md.get("annotations")
    annotations = dict(annotations) if isinstance(annotations, dict) else {}
    annotations.pop(LAST_APPLIED, None)
    md["annotations"] = annotations
    manifest = {**obj, "metadata": md}
    try:
        # orjson sorts keys as Go does (by their UTF-8 bytes) and writes small exponents as Go
        # does (1e-7; json.dumps writes 1e-07), at a tenth of json.dumps' cost.
        text = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer past 64 bits
        text = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text + "\n"


def is_subset(want: Any, have: Any) -> bool:
    """True if every field of `want` has the same value in `have` (lists item by item).

    Server-side defaults only add fields, so an applied manifest is a subset of the stored object
    until someone changes one of its fields.
    """
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            is_subset(v, have[k]) if k in have else _is_empty(v) for k, v in want.items()
        )
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(want) == len(have)
            and all(is_subset(w, h) for w, h in zip(want, have, strict=True))
        )
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have
    return bool(want == have)


def _is_empty(v: Any) -> bool:
    """Values the server leaves out of what it returns (null, "", {}, [])."""
    return v is None or v == "" or v == {} or v == []

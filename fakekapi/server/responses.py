"""Encoding responses the way kube-apiserver's serializers and response writers do.

* JSON is written compactly with a trailing newline (Go's `json.Encoder.Encode`), or indented by
  two spaces without one (`json.MarshalIndent`, used for `?pretty=true` and for curl/Wget/browser
  User-Agents); `<`, `>`, `&`, U+2028 and U+2029 are escaped as Go's encoder does.
* Errors are metav1.Status objects, except the few plain-text answers of Go's `http.Error`.
* `Warning` headers carry `299 - "<text>"` (apimachinery `util/net.NewWarningHeader`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from fakekapi.core.errors import PlainHTTPError, StatusError
from fakekapi.core.strconv import parse_bool
from fakekapi.server import bigbody

JSON = "application/json"
YAML = "application/yaml"
PLAIN_TEXT = "text/plain; charset=utf-8"
NOSNIFF = {"X-Content-Type-Options": "nosniff"}

_GO_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def _go_escape(data: bytes) -> bytes:
    """Go's encoding/json HTML-safe escaping; these bytes only ever occur inside strings.

    Most bodies contain none of them: four single-byte scans (memchr-fast) prove that, where
    searching for the three-byte U+2028/U+2029 directly would scan ~50x slower."""
    if b"<" not in data and b">" not in data and b"&" not in data and b"\xe2" not in data:
        return data
    for raw, esc in _GO_ESCAPES:
        if raw in data:
            data = data.replace(raw, esc)
    return data


def encode_json(obj: Any, *, pretty: bool = False) -> bytes:
    """A response body as the apiserver's JSON serializer writes it."""
    if pretty:
        return _go_escape(orjson.dumps(obj, option=orjson.OPT_INDENT_2))
    return _go_escape(orjson.dumps(obj)) + b"\n"


_LIST_SLICE = 256
"""Items per orjson call in `encode_json_list`: each call keeps the GIL for well under 1 ms."""
_ITEMS_MARK = "\x00fakekapi:items\x00"
_ITEMS_MARK_JSON = orjson.dumps(_ITEMS_MARK)


def encode_json_list(obj: dict[str, Any], *, pretty: bool = False) -> bytes:
    """`encode_json` of a list object, its items encoded a slice at a time (the same bytes).

    orjson keeps the GIL for a whole call: one call over 10,000 items would keep the event loop
    from running for that long even from a worker thread (`offload`). kube 1.33 also encodes
    list items one by one (StreamingCollectionsEncodingToJSON)."""
    items = obj.get("items")
    if pretty or not isinstance(items, list) or len(items) <= _LIST_SLICE:
        return encode_json(obj, pretty=pretty)
    head, mark, tail = orjson.dumps({**obj, "items": _ITEMS_MARK}).partition(_ITEMS_MARK_JSON)
    assert mark, "the items placeholder is in the encoded list"
    parts = [head, b"["]
    for start in range(0, len(items), _LIST_SLICE):
        if start:
            parts.append(b",")
        parts.append(orjson.dumps(items[start : start + _LIST_SLICE])[1:-1])
    parts += (b"]", tail)
    return _go_escape(b"".join(parts)) + b"\n"


def stored_json_response(data: bytes, status: int = 200) -> web.Response:
    """A compact JSON response whose body is an object's (or list's) stored JSON bytes: the same
    bytes `encode_json` gives for the decoded value, without decoding or encoding it."""
    return raw_response(_go_escape(data) + b"\n", JSON, status)


async def write_stored_json(request: web.Request, chunks: list[bytes]) -> web.StreamResponse:
    """`stored_json_response` of the bytes `chunks` join to, written a chunk at a time.

    One write of a whole big list would encrypt all of it before the first byte leaves, and only
    then could the client start reading; written in pieces, the client decrypts one while the
    next is encrypted. The answer is the same bytes with the same headers (Content-Length
    included); a HEAD, or a body of one piece, is one ordinary response."""
    chunks = [_go_escape(c) for c in chunks]
    chunks.append(b"\n")
    if len(chunks) <= 2 or request.method != "GET":
        return raw_response(b"".join(chunks), JSON)
    return await bigbody.write_pieces(request, 200, {"Content-Type": JSON}, chunks)


def stored_watch_line(type: str, data: bytes) -> bytes:
    """A watch event line around an object's stored JSON bytes (what `encode_json` gives for
    `{"type": type, "object": <the decoded object>}`)."""
    return b"".join((b'{"type":"', type.encode(), b'","object":', _go_escape(data), b"}\n"))


def encode_yaml(obj: Any) -> bytes:
    """sigs.k8s.io/yaml output: the JSON value as block YAML, keys sorted (`yamlout`)."""
    from fakekapi.server import yamlout  # with yaml: loaded by the first YAML response

    return yamlout.encode(obj)


def is_pretty(request: web.BaseRequest) -> bool:
    """negotiate.go `isPrettyPrint`: `?pretty=<bool>` wins, else curl/Wget/browser User-Agents."""
    pp = request.query.get("pretty", "")
    if pp:
        return bool(parse_bool(pp))
    ua = request.headers.get("User-Agent", "")
    return ua.startswith(("curl", "Wget", "Mozilla/5.0"))


def raw_response(
    body: bytes,
    content_type: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """A response whose Content-Type is exactly `content_type` (aiohttp adds no charset)."""
    hdrs = {"Content-Type": content_type}
    if headers:
        hdrs.update(headers)
    return web.Response(body=body, status=status, headers=hdrs)


def json_response(
    obj: Any,
    *,
    status: int = 200,
    pretty: bool = False,
    content_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    return raw_response(encode_json(obj, pretty=pretty), content_type, status, headers)


def status_response(err: StatusError, *, pretty: bool = False) -> web.Response:
    """A StatusError as the JSON metav1.Status, with the error's own headers (nosniff for 403)."""
    return json_response(err.to_status(), status=err.code, pretty=pretty, headers=err.headers)


def plain_response(code: int, body: str, headers: Mapping[str, str] | None = None) -> web.Response:
    """Go's `http.Error`: text/plain, nosniff."""
    hdrs = dict(NOSNIFF)
    if headers:
        hdrs.update(headers)
    return raw_response(body.encode(), PLAIN_TEXT, code, hdrs)


def plain_error_response(err: PlainHTTPError) -> web.Response:
    return plain_response(err.code, err.body, err.headers)


def warning_header(text: str) -> str | None:
    """`299 - "<text>"` with `"` and `\\` escaped (util/net NewWarningHeader).

    None for a text with control characters: NewWarningHeader refuses it (`unicode.IsControl`:
    C0, DEL and C1) and the apiserver's warning recorder then drops the warning. Such a value
    could not be sent anyway (a header may not carry control characters)."""
    if any(c < " " or "\x7f" <= c <= "\x9f" for c in text):
        return None
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{escaped}"'


def render(
    request: web.BaseRequest,
    obj: Any,
    media_type: str = JSON,
    *,
    pretty: bool = False,
    status: int = 200,
) -> web.Response:
    """A negotiated object response: YAML, or JSON (indented when the request asks for it)."""
    body = encode_body(obj, media_type, pretty or is_pretty(request))
    return raw_response(body, media_type, status)


def encode_body(obj: Any, media_type: str, pretty: bool) -> bytes:
    """The bytes of a negotiated object response (safe to call from a worker thread)."""
    if media_type == YAML:
        return encode_yaml(obj)
    if isinstance(obj, dict) and "items" in obj:
        return encode_json_list(obj, pretty=pretty)
    return encode_json(obj, pretty=pretty)

"""Response headers the server must not send: kube-apiserver has no `Server` header."""

from __future__ import annotations

from server.conftest import ADMIN, JANE, ClientFactory


async def test_no_server_header_on_any_kind_of_response(make_client: ClientFactory) -> None:
    c = await make_client()
    responses = [
        await c.get("/version"),  # 200 JSON
        await c.get("/healthz"),  # 200 text/plain
        await c.get("/nope", headers=ADMIN),  # 404 plain text
        await c.get("/api", headers={"Authorization": "Bearer wrong"}),  # 401 Status
        await c.get("/api/v1/secrets", headers=JANE),  # 403 Status
    ]
    for r in responses:
        assert "Server" not in r.headers, (r.status, r.url)
        assert "Date" in r.headers  # aiohttp's other default stays

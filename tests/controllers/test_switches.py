"""`serve --controllers` and `running_server(controllers=...)` switch the controllers."""

from __future__ import annotations

import json
from collections.abc import Mapping

from click.testing import CliRunner
from polling import until

from fakekapi.cli import cli
from fakekapi.testing import ServerHandle, running_server


def _get(server: ServerHandle, path: str) -> tuple[int, dict[str, object]]:
    status, _, body = server.request("GET", path)
    return status, json.loads(body)


def _post(server: ServerHandle, path: str, obj: Mapping[str, object]) -> int:
    status, _, _ = server.request(
        "POST", path, body=json.dumps(obj).encode(), headers={"Content-Type": "application/json"}
    )
    return status


def test_unknown_controller_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["serve", "--ephemeral", "--controllers", "*,-nosuch"])
    assert result.exit_code == 2
    assert '"nosuch" is not in the list of known controllers' in result.output
    assert "Traceback" not in result.output


def test_without_the_serviceaccount_controller_no_default_sa_appears() -> None:
    """`--controllers=namespace` keeps the namespace controller and drops the rest."""
    with running_server(controllers="namespace") as server:
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "quiet"}}
        assert _post(server, "/api/v1/namespaces", ns) == 201
        assert _post(server, "/api/v1/namespaces", {**ns, "metadata": {"name": "q2"}}) == 201
        # The namespace controller still runs: a deleted namespace goes away.
        status, _, _ = server.request("DELETE", "/api/v1/namespaces/quiet")
        assert status == 200
        until(
            lambda: _get(server, "/api/v1/namespaces/quiet")[0] == 404,
            "the namespace controller finalizing the namespace",
        )
        # ... and it was started after the serviceaccount controller would have been.
        status, sas = _get(server, "/api/v1/namespaces/q2/serviceaccounts")
        assert status == 200
        assert sas["items"] == []

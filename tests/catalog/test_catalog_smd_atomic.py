"""Server-side apply's atomic structs follow the release's own OpenAPI marks
(data/smd_atomic.json: 1.33's, and each release's differences, from each swagger)."""

from __future__ import annotations

import pytest

from fakekapi.catalog import schemas


def _backend_port(release: str) -> schemas.Type:
    ingress = schemas.kind_type("networking.k8s.io", "v1", "Ingress", release)
    assert ingress is not None
    t: schemas.Type | None = ingress
    for name in ("spec", "defaultBackend", "service", "port"):
        assert t is not None
        field = t.field(name)
        assert field is not None, name
        t = field.type
    assert t is not None
    return t


@pytest.mark.parametrize(("release", "atomic"), [("1.29", False), ("1.30", False), ("1.31", True)])
def test_service_backend_port_is_atomic_from_1_31(release: str, atomic: bool) -> None:
    """networking/v1 ServiceBackendPort got `+structType=atomic` in 1.31."""
    assert _backend_port(release).atomic is atomic


@pytest.mark.parametrize(("release", "atomic"), [("1.33", False), ("1.34", True), ("1.36", True)])
def test_file_key_selector_is_atomic_where_it_exists(release: str, atomic: bool) -> None:
    """core/v1 FileKeySelector (EnvVarSource.fileKeyRef, new in 1.34) is `+structType=atomic`."""
    pod = schemas.kind_type("", "v1", "Pod", release)
    assert pod is not None
    spec = pod.field("spec")
    assert spec is not None
    containers = spec.type.field("containers")
    assert containers is not None and containers.type.item is not None
    env = containers.type.item.field("env")
    assert env is not None and env.type.item is not None
    source = env.type.item.field("valueFrom")
    assert source is not None
    file_ref = source.type.field("fileKeyRef")
    assert (file_ref is not None and file_ref.type.atomic) is atomic

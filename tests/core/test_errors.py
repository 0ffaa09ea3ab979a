"""StatusError renders exactly as kube-apiserver's metav1.Status (reference §3)."""

from __future__ import annotations

from fakekapi.core import errors


def test_not_found_core_and_group() -> None:
    e = errors.not_found("pods", "", "x")
    assert e.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "x" not found',
        "reason": "NotFound",
        "details": {"name": "x", "kind": "pods"},
        "code": 404,
    }
    d = errors.not_found("deployments", "apps", "web").to_status()
    assert d["message"] == 'deployments.apps "web" not found'
    assert d["details"] == {"name": "web", "group": "apps", "kind": "deployments"}


def test_conflict_message() -> None:
    e = errors.conflict("configmaps", "", "cm1")
    assert e.message == (
        'Operation cannot be fulfilled on configmaps "cm1": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert e.code == 409 and e.reason == "Conflict"


def test_invalid_single_and_many() -> None:
    e = errors.invalid(
        "TokenRequest",
        "authentication.k8s.io",
        "",
        [
            errors.invalid_value(
                "spec.expirationSeconds", 60, "may not specify a duration less than 10 minutes"
            )
        ],
    )
    st = e.to_status()
    assert st["message"] == (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: '
        "Invalid value: 60: may not specify a duration less than 10 minutes"
    )
    assert st["details"] == {
        "group": "authentication.k8s.io",
        "kind": "TokenRequest",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": "Invalid value: 60: may not specify a duration less than 10 minutes",
                "field": "spec.expirationSeconds",
            }
        ],
    }
    many = errors.invalid(
        "Pod",
        "",
        "web",
        [errors.required("spec.containers[0].image"), errors.required("spec.containers[0].name")],
    )
    assert many.message == (
        'Pod "web" is invalid: [spec.containers[0].image: Required value, '
        "spec.containers[0].name: Required value]"
    )


def test_forbidden_shapes() -> None:
    e = errors.forbidden(
        "pods",
        "",
        "",
        'User "jane" cannot list resource "pods" in API group "" at the cluster scope',
    )
    assert e.message.startswith("pods is forbidden: User")
    assert e.headers["X-Content-Type-Options"] == "nosniff"
    np = errors.forbidden("", "", "", 'User "system:anonymous" cannot get path "/api"')
    assert np.message == 'forbidden: User "system:anonymous" cannot get path "/api"'
    assert np.to_status()["details"] == {}


def test_no_details_errors_have_no_details_key() -> None:
    for e in (
        errors.unauthorized(),
        errors.bad_request("x"),
        errors.too_large(),
        errors.expired("x"),
    ):
        assert "details" not in e.to_status()
    assert errors.unauthorized().to_status()["message"] == "Unauthorized"
    assert errors.too_large().message == "Request entity too large: limit is 3145728"


def test_unsupported_value_message() -> None:
    fe = errors.not_supported("propagationPolicy", "x", ["Foreground", "Background", "Orphan"])
    assert str(fe) == (
        'propagationPolicy: Unsupported value: "x": supported values: '
        '"Foreground", "Background", "Orphan"'
    )

"""Secrets and ConfigMaps (kube `pkg/registry/core/{secret,configmap}/strategy.go`).

A Secret's `stringData` is write-only, merged into `data` base64-encoded, and `type` defaults to
Opaque (kube's v1 → internal conversion and SetDefaults_Secret); its type never changes. Both
kinds validate their keys, and once `immutable` is set their data and the flag are frozen.
"""

from __future__ import annotations

import base64
from typing import Any

from fakekapi.core.errors import FieldError, invalid_value
from fakekapi.registry.generic.strategy import Strategy
from fakekapi.registry.validation import (
    immutable_when_set,
    validate_data_keys,
    validate_secret,
)


class SecretStrategy(Strategy):
    def on_decode(self, obj: dict[str, Any]) -> None:
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict) and string_data:
            data = obj.setdefault("data", {})
            for k, v in string_data.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
        obj.setdefault("type", "Opaque")

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        errs = validate_secret(obj)
        if old is None:
            return errs
        if (obj.get("type") or "") != (old.get("type") or ""):
            errs.append(invalid_value("type", obj.get("type") or "", "field is immutable"))
        return errs + immutable_when_set(obj, old, ("data",))


class ConfigMapStrategy(Strategy):
    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        errs = validate_data_keys(obj)
        if old is None:
            return errs
        return errs + immutable_when_set(obj, old, ("data", "binaryData"))

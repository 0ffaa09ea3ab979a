"""Secrets: `stringData` is write-only, merged into `data` base64-encoded, and `type` defaults
to Opaque (kube's v1 → internal conversion and SetDefaults_Secret)."""

from __future__ import annotations

import base64
from typing import Any

from fakekapi.registry.generic.strategy import Strategy


class SecretStrategy(Strategy):
    def on_decode(self, obj: dict[str, Any]) -> None:
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict) and string_data:
            data = obj.setdefault("data", {})
            for k, v in string_data.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
        obj.setdefault("type", "Opaque")

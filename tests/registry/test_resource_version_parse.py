"""A list's resourceVersion is parsed as APIObjectVersioner.ParseResourceVersion does: Go's
strconv.ParseUint(rv, 10, 64), so text and numbers past uint64 are an Invalid resourceVersion,
and a number the store has not reached yet waits, then answers kube's 504."""

from __future__ import annotations

import pytest

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import ListOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore


@pytest.mark.parametrize(
    ("rv", "code", "message"),
    [
        (
            "abc",
            422,
            'configmaps "" is invalid: resourceVersion: Invalid value: "abc": '
            'strconv.ParseUint: parsing "abc": invalid syntax',
        ),
        (
            "18446744073709551616",
            422,
            'configmaps "" is invalid: resourceVersion: Invalid value: "18446744073709551616": '
            'strconv.ParseUint: parsing "18446744073709551616": value out of range',
        ),
        ("18446744073709551615", 504, "Timeout: Too large resource version: 18446744073709551615"),
    ],
)
async def test_list_resource_version(rv: str, code: int, message: str) -> None:
    store = MemoryStore()
    await store.start()
    try:
        registry = install(Registry(store, Catalog.builtin()))
        registry.too_large_wait = 0.01
        rt = registry.catalog.lookup("", "v1", "configmaps")
        assert rt is not None
        with pytest.raises(StatusError) as e:
            await registry.list(rt, "", ListOptions(resource_version=rv))
        assert e.value.code == code
        assert e.value.message.startswith(message)
    finally:
        await store.close()

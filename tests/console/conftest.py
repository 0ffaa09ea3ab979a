"""Fixtures of the console tests: one spawned server with its data dir, one headless Chromium."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from console import browser
from fakekapi.testing import ServerHandle, fakekapi_command, require_client, spawned_server

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "console-screenshots"
"""Where the browser test leaves its screenshots (build/ is not committed)."""


@pytest.fixture(scope="module")
def console_server() -> Iterator[ServerHandle]:
    with spawned_server() as server:
        yield server


def fakekapi_cli(server: ServerHandle, *args: str) -> str:
    """Run a fakekapi command on the server's data dir; its stdout."""
    done = subprocess.run(
        [*fakekapi_command(), *args, "--data-dir", str(server.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="session")
def chromium() -> browser.Chromium:
    found = browser.find()
    why = ""
    if found is None:
        why = browser.install()
        found = browser.find()
    require_client(found is not None, f"Chromium for the console tests ({why})")
    assert found is not None
    return found


@pytest.fixture
def driver(chromium: browser.Chromium) -> Iterator[Any]:

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium.browser)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--ignore-certificate-errors",
        "--window-size=1400,900",
    ):
        options.add_argument(arg)
    d = webdriver.Chrome(service=Service(str(chromium.driver)), options=options)
    try:
        yield d
    finally:
        d.quit()

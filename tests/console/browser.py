"""A real Chromium for the console's browser tests: Debian's `chromium` and `chromium-driver`,
driven through Selenium (no downloaded browser builds).

When the browser is missing and the tests run as root on a Debian machine (CI, a fresh
container), it is installed once with apt-get; otherwise the test skips with the reason, or
fails under FAKEKAPI_REQUIRE_CLIENTS=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = ("chromium", "chromium-browser")
DRIVER = "chromedriver"
APT_PACKAGES = ("chromium", "chromium-driver")


@dataclass(frozen=True)
class Chromium:
    browser: Path
    driver: Path


def find() -> Chromium | None:
    browser = next((shutil.which(name) for name in CHROMIUM if shutil.which(name)), None)
    driver = shutil.which(DRIVER)
    if browser and driver:
        return Chromium(Path(browser), Path(driver))
    return None


def install() -> str:
    """apt-get install the browser; "" on success, else why not."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "chromium and chromium-driver are not installed (apt-get install them as root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "install", "-y", "-qq", *APT_PACKAGES],
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", *APT_PACKAGES],
    ):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode == 0 and find() is not None:
            return ""
    return f"apt-get could not install {' '.join(APT_PACKAGES)}: {done.stderr.strip()[-300:]}"

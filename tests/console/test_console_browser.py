"""The console in a real browser (headless Chromium through Selenium) against a spawned server.

One walk through what a learner does: sign in through the URL `fakekapi console` prints, watch a
ServiceAccount's 403 arrive in the live list with its explanation, read that ServiceAccount's
RBAC matrix, create another ServiceAccount from the page and use its token with an HTTP client,
then sign in as a `view` ServiceAccount and be refused the live list with the reason. Throughout:
no credential in the page's DOM or in the server's log. Screenshots of the main views go to
build/console-screenshots/.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.request
from typing import Any, TypeVar

from polling import until
from selenium.common.exceptions import StaleElementReferenceException

from console.conftest import SCREENSHOTS, fakekapi_cli
from fakekapi.testing import ServerHandle, require_client

T = TypeVar("T")


STALE = (StaleElementReferenceException,)
"""The page re-renders its tables as records arrive, so an element found a moment ago may be
gone: a stale element is one more poll, not a failure."""


def http(server: ServerHandle, path: str, token: str) -> int:
    """GET `path` with a bearer token as a learner does, with curl trusting the cluster CA (the
    token goes in a header file, not on the command line); the status code."""
    curl = shutil.which("curl")
    require_client(curl is not None, "curl")
    assert curl is not None
    with tempfile.NamedTemporaryFile("w", suffix=".headers") as headers:
        headers.write(f"Authorization: Bearer {token}\n")
        headers.flush()
        done = subprocess.run(
            [curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
             str(server.ca_path), "-H", f"@{headers.name}", server.url + path],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def text_of(driver: Any, element_id: str) -> str:
    return str(driver.find_element("id", element_id).text)


def test_console_walkthrough(driver: Any, console_server: ServerHandle) -> None:
    from selenium.webdriver.support.ui import Select

    server = console_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    login_url = fakekapi_cli(server, "console")
    assert login_url.startswith(f"{server.url}/ui/#token=")
    admin_token = login_url.split("#token=", 1)[1]
    viewer_token = fakekapi_cli(server, "sa", "create", "viewer", "--cluster-role", "view")

    # Sign in through the printed URL: the fragment is read, then removed from the address.
    driver.get(login_url)
    who = until(lambda: text_of(driver, "who"), "signed in", retry_on=STALE)
    assert who == "Signed in as system:serviceaccount:kube-system:fakekapi-console"
    assert "#token" not in driver.current_url

    # A 403 sent by the viewer appears in the live list, with its explanation.
    secrets = "/api/v1/namespaces/kube-system/secrets"
    assert http(server, secrets, viewer_token) == 403
    sent = time.monotonic()

    def forbidden_row() -> str | None:
        """The row's sequence number (rows are re-created on every render: keep no element)."""
        for row in driver.find_elements("css selector", "#requests-table tbody tr"):
            cells = row.find_elements("tag name", "td")
            if len(cells) > 4 and cells[2].text == secrets and cells[3].text == "403":
                return str(row.get_attribute("data-seq"))
        return None

    seq = until(forbidden_row, "the 403 in the live list", timeout=1.0, retry_on=STALE)
    assert time.monotonic() - sent <= 1.0

    def click_row() -> bool:
        driver.find_element("css selector", f'#requests-table tr[data-seq="{seq}"]').click()
        return True

    until(click_row, "the 403's row clicked", retry_on=STALE)
    detail = until(
        lambda: text_of(driver, "request-detail") or None, "request detail", retry_on=STALE
    )
    assert "system:serviceaccount:default:viewer" in detail
    assert "forbid" in detail
    assert "cannot list resource" in detail
    assert "Authorization: Bearer <masked>" in detail
    driver.save_screenshot(str(SCREENSHOTS / "requests.png"))

    # The viewer's RBAC matrix: list pods allowed by its binding, list secrets denied.
    driver.find_element("css selector", 'nav button[data-view="rbac"]').click()
    options = until(
        lambda: Select(driver.find_element("id", "identity")).options,
        "identities loaded",
        retry_on=STALE,
    )
    labels = [o.text for o in options]
    assert "ServiceAccount default/viewer" in labels
    Select(driver.find_element("id", "identity")).select_by_visible_text(
        "ServiceAccount default/viewer"
    )
    driver.find_element("css selector", "#identity-form button[type=submit]").click()
    pods = until(
        lambda: driver.find_elements(
            "css selector", '#matrix button[data-verb="list"][data-resource="pods"]'
        ),
        "matrix",
        retry_on=STALE,
    )[0]
    assert pods.get_attribute("aria-label") == "list pods: allowed"
    pods.click()  # the matrix is rendered once per request: this element stays
    cell = until(lambda: text_of(driver, "cell-detail"), "cell detail", retry_on=STALE)
    assert 'ClusterRoleBinding "fakekapi:default:viewer:view"' in cell
    assert 'ClusterRole "view"' in cell
    secrets_cell = driver.find_element(
        "css selector", '#matrix button[data-verb="list"][data-resource="secrets"]'
    )
    assert secrets_cell.get_attribute("aria-label") == "list secrets: denied"
    secrets_cell.click()
    cell = until(
        lambda: (
            text_of(driver, "cell-detail") if "denied" in text_of(driver, "cell-detail") else None
        ),
        "why not",
        retry_on=STALE,
    )
    assert "forbidden (403)" in cell
    driver.save_screenshot(str(SCREENSHOTS / "rbac.png"))

    # Create a ServiceAccount from the page: its token works with an HTTP client.
    driver.find_element("css selector", 'nav button[data-view="credentials"]').click()
    form = driver.find_element("id", "sa-form")
    form.find_element("name", "name").send_keys("clicker")
    form.find_element("css selector", "button[type=submit]").click()
    token_input = driver.find_element("id", "cred-token")
    clicker_token = until(
        lambda: token_input.get_property("value"), "token created", retry_on=STALE
    )
    assert http(server, "/api/v1/namespaces/default/pods", clicker_token) == 200
    assert http(server, secrets, clicker_token) == 403
    assert token_input.get_attribute("type") == "password"
    driver.save_screenshot(str(SCREENSHOTS / "credentials.png"))

    # Nothing secret in the DOM (values of inputs are properties, not markup) nor in the log.
    page = driver.page_source
    for token in (admin_token, viewer_token, clicker_token):
        assert token not in page
    log = _server_log(server)
    for token in (admin_token, viewer_token, clicker_token):
        assert token not in log

    # Workloads at a glance: the namespaces, and the pods of one.
    driver.find_element("css selector", 'nav button[data-view="workloads"]').click()
    until(
        lambda: (
            "default" in [o.text for o in Select(driver.find_element("id", "wl-namespace")).options]
        ),
        what="namespaces listed",
    )
    assert text_of(driver, "wl-error") == ""

    # A view ServiceAccount may sign in but not read the live list: the page says why.
    driver.find_element("id", "logout").click()
    box = until(lambda: driver.find_element("id", "login-token"), "login form", retry_on=STALE)
    box.send_keys(viewer_token)
    driver.find_element("css selector", "#login-form button[type=submit]").click()
    error = until(lambda: text_of(driver, "requests-error"), "403 on the page", retry_on=STALE)
    assert error.startswith(
        '403: forbidden: User "system:serviceaccount:default:viewer" cannot get path '
        '"/fakekapi/v1/requests"'
    )
    assert "nonResourceURLs" in error
    assert viewer_token not in driver.page_source


def _server_log(server: ServerHandle) -> str:
    """Everything the spawned server wrote (its stderr holds the access log)."""
    parts = []
    for candidate in server.data_dir.parent.glob("*.txt"):
        parts.append(candidate.read_text(errors="replace"))
    return "\n".join(parts)


def test_console_api_refuses_a_view_serviceaccount(console_server: ServerHandle) -> None:
    """The console's API is RBAC-protected like any non-resource URL."""
    viewer = fakekapi_cli(console_server, "sa", "create", "viewer2", "--cluster-role", "view")
    assert http(console_server, "/fakekapi/v1/requests?follow=false", viewer) == 403
    assert http(console_server, "/fakekapi/v1/identities", viewer) == 403
    assert http(console_server, "/ui/", viewer) == 200  # the assets are public


def test_feed_masks_credentials_and_keeps_error_bodies(console_server: ServerHandle) -> None:
    admin = fakekapi_cli(console_server, "console").split("#token=", 1)[1]
    assert http(console_server, "/api/v1/namespaces/nope/configmaps/x", admin) == 404
    ctx = ssl.create_default_context(cafile=str(console_server.ca_path))
    req = urllib.request.Request(
        console_server.url + "/fakekapi/v1/requests?follow=false",
        headers={"Authorization": f"Bearer {admin}"},
    )
    with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
        records = json.loads(resp.read())
    miss = [r for r in records if r["uri"] == "/api/v1/namespaces/nope/configmaps/x"][-1]
    assert miss["code"] == 404
    assert miss["status"]["reason"] == "NotFound"
    assert miss["headers"]["Authorization"] == "Bearer <masked>"
    assert admin not in json.dumps(records)

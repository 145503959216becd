"""The playground in a real browser: Debian's headless Chromium, driven by Playwright's Python package.

One server and one browser for the module (starting them is most of the time). The flags keep
Chromium from calling home (the machine has no network); Playwright gives it a fresh profile
folder. Skipped when ``/usr/bin/chromium`` or the ``playwright`` package is missing; never
``playwright install`` (no browser is downloaded). A screenshot of the trained XOR page is kept as
a test artifact: in the folder ``$DELTANET_ARTIFACTS`` names (``.ci/run`` sets it to
``build/test-artifacts``), else under pytest's tmp_path; its path is printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XOR_TEST_LOSS = 0.1  # a 2-4-4-2 tanh network gets XOR's test loss below this in a second or two
TIME_LIMIT_S = 20

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="no Chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    from deltanet.playground.server import BackgroundServer

    sessions: list = []
    with BackgroundServer(on_session=sessions.append) as running:
        running.sessions = sessions
        yield running


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


class Tab:
    """A page of the playground with its console errors collected."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 960})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("#unit-1-0", timeout=15000)  # the first picture arrived

    def number(self, selector: str) -> float:
        text = self.page.inner_text(selector).replace(",", "")
        return float(text) if text not in ("", "–") else float("nan")

    def close(self) -> None:
        self.page.close()


def test_xor_trains_in_the_page(server, browser, tmp_path: Path) -> None:
    tab = Tab(browser, server.url)
    try:
        assert tab.page.title() == "deltanet playground"
        assert tab.page.input_value("#f-dataset") == "xor"
        start = time.monotonic()
        tab.page.click("#play")
        tab.page.wait_for_function(
            f"Number(document.getElementById('test-loss').textContent) < {XOR_TEST_LOSS}",
            timeout=TIME_LIMIT_S * 1000,
        )
        elapsed = time.monotonic() - start
        tab.page.click("#play")  # pause
        tab.page.wait_for_function("document.getElementById('play').textContent === '▶'")
        tab.page.click("#explain")
        tab.page.wait_for_selector("#explain-text:not([hidden])")
        assert "δ[1]" in tab.page.inner_text("#explain-text")
        assert tab.page.locator("#edges path").count() == 2 * 4 + 4 * 4 + 4 * 2
        folder = Path(os.environ.get("DELTANET_ARTIFACTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / "playground-xor.png"
        tab.page.screenshot(path=str(shot), full_page=True)
        print(f"\nplayground screenshot: {shot} (XOR below {XOR_TEST_LOSS} in {elapsed:.1f} s)")
        assert shot.stat().st_size > 20_000
        assert tab.errors == []
    finally:
        tab.close()


def test_changing_the_activation_rebuilds_the_network(server, browser) -> None:
    tab = Tab(browser, server.url)
    try:
        tab.page.click("#step")
        tab.page.wait_for_function("document.getElementById('epoch').textContent === '1'")
        tab.page.select_option("#f-activation", "relu")
        tab.page.wait_for_function("document.getElementById('epoch').textContent === '0'")
        tab.page.click("#add-layer")
        tab.page.wait_for_selector("#unit-3-0")  # inputs, three hidden layers, then the output
        tab.page.click('button[data-layer="0"][data-delta="1"]')  # a fifth unit in the first hidden layer
        tab.page.wait_for_selector("#unit-1-4")
        tab.page.click('button[data-layer="1"][data-delta="-1"]')  # a unit fewer in the second
        tab.page.wait_for_function("!document.getElementById('unit-2-3')")
        assert tab.page.locator("#edges path").count() == 2 * 5 + 5 * 3 + 3 * 4 + 4 * 2
        assert tab.page.input_value("#f-activation") == "relu"
        assert tab.errors == []
    finally:
        tab.close()


def test_two_tabs_are_independent(server, browser) -> None:
    first, second = Tab(browser, server.url), Tab(browser, server.url)
    try:
        first.page.select_option("#f-dataset", "circle")
        first.page.wait_for_function("document.getElementById('status').textContent.includes('paused')")
        first.page.click("#play")
        first.page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 20")
        assert second.page.inner_text("#epoch") == "0" and second.page.input_value("#f-dataset") == "xor"
        second.page.click("#step")
        second.page.wait_for_function("document.getElementById('epoch').textContent === '1'")
        first.page.click("#play")
        assert first.page.input_value("#f-dataset") == "circle"
        assert first.errors == [] and second.errors == []
    finally:
        first.close()
        second.close()
    # closing a tab ends its session's training thread; every tab of this module is closed now
    deadline = time.monotonic() + 30  # a bound, not a timing: sessions end at their next epoch boundary
    while any(s.alive for s in server.sessions) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.sessions and not any(s.alive for s in server.sessions)


def test_an_invalid_value_shows_a_message(server, browser) -> None:
    tab = Tab(browser, server.url)
    try:
        tab.page.fill("#f-lr", "fast")
        tab.page.press("#f-lr", "Enter")
        tab.page.locator("#f-lr").blur()
        tab.page.wait_for_selector("#error:not([hidden])")
        assert "lr must be a number in (0, 10], got 'fast'" in tab.page.inner_text("#error")
        assert "invalid" in (tab.page.get_attribute("#f-lr", "class") or "")
        tab.page.fill("#f-lr", "0.03")
        tab.page.locator("#f-lr").blur()
        tab.page.wait_for_selector("#error", state="hidden")
        assert tab.errors == []
    finally:
        tab.close()


def test_the_regression_draws_its_curve_and_the_run_downloads(server, browser, tmp_path: Path) -> None:
    tab = Tab(browser, server.url)
    try:
        tab.page.select_option("#f-dataset", "regression")
        tab.page.wait_for_function("!document.getElementById('row-function').hidden")
        assert tab.page.input_value("#f-loss") == "mse"  # the task's usual loss came with it
        assert tab.page.locator("#accuracy-row").is_hidden()
        tab.page.click("#step")
        tab.page.wait_for_function("document.getElementById('epoch').textContent === '1'")
        assert tab.number("#test-loss") >= 0  # a number, not the dash of an untrained network
        assert tab.page.locator("#network .unit").count() == 1 + 4 + 4 + 1  # 1 input, 4 + 4 hidden, 1 output
        with tab.page.expect_download() as script_download:
            tab.page.click("#download-script")
        script = script_download.value
        assert script.suggested_filename == "playground_regression.py"
        text = Path(script.path()).read_text()
        assert "dn.fit(" in text and "epochs=1" in text and "'regression'" in text
        with tab.page.expect_download() as model_download:
            tab.page.click("#download-model")
        assert model_download.value.suggested_filename == "playground-model.dnet"
        saved = tmp_path / "playground-model.dnet"
        model_download.value.save_as(str(saved))
        from deltanet import load

        model = load(saved)
        assert [layer.out_features for layer in model if hasattr(layer, "out_features")] == [4, 4, 1]
        assert tab.errors == []
    finally:
        tab.close()

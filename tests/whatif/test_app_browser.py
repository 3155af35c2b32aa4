"""End to end in a real browser: the what-if notebook in JupyterLab, and ``kpitools app``.

Headless Debian Chromium (``/usr/bin/chromium``) driven by Playwright's sync API; no browser
download. Each server runs on a free localhost port and is always shut down by its fixture.
Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from kpitools._util.format import money
from kpitools.demo import make_demo_company
from kpitools.engine import compute_metrics, load_inputs, run_scheme
from kpitools.scheme import load_scheme
from kpitools.whatif import DEFAULT_SCHEME, WHATIF_NOTEBOOK, free_port, resolve_template

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 60_000  # every single wait is bounded

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server started in its own session, with every process it started."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def lab(tmp_path):
    """``jupyter lab`` on a free port with a token, serving a temp copy of the notebook."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / WHATIF_NOTEBOOK, root / WHATIF_NOTEBOOK)
    port, token = free_port(), secrets.token_hex(16)
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 - closed in the finalizer
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--LabApp.news_url=",
            "--ServerApp.port_retries=0",
            "--ServerApp.allow_root=True",  # CI containers run as root
        ],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")},
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", proc)
        yield f"http://127.0.0.1:{port}", token
    finally:
        _stop(proc)
        log.close()


def _total_cost(page) -> str:
    return page.locator(".kpitools-total-cost-value").first.inner_text(timeout=WAIT_MS)


def _nudge_slider(page, css_class: str) -> None:
    """Focus the slider's handle and press the left arrow, as a keyboard user would."""
    handle = page.locator(f".{css_class} .noUi-handle").first
    handle.scroll_into_view_if_needed(timeout=WAIT_MS)
    handle.focus(timeout=WAIT_MS)
    for _ in range(5):
        handle.press("ArrowLeft", timeout=WAIT_MS)


def _wait_for_change(page, before: str) -> str:
    page.wait_for_function(
        "(before) => { const e = document.querySelector('.kpitools-total-cost-value');"
        " return e !== null && e.innerText !== before; }",
        arg=before,
        timeout=WAIT_MS,
    )
    return _total_cost(page)


def test_moving_a_slider_in_jupyterlab_changes_the_total_cost(browser, lab):
    url, token = lab
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{url}/lab/tree/{WHATIF_NOTEBOOK}?token={token}", timeout=WAIT_MS)
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=WAIT_MS)
        # cells run before the kernel is connected are dropped: wait for it to be idle
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=WAIT_MS)
        # Run > Run All Cells, from the menu bar
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        page.locator(".kpitools-total-cost-value").first.wait_for(timeout=WAIT_MS)
        before = _total_cost(page)
        assert re.fullmatch(r"[\d,]+ RUB", before), before
        _nudge_slider(page, "kpitools-control-on-target-pay")
        after = _wait_for_change(page, before)
        assert re.fullmatch(r"[\d,]+ RUB", after), after
        assert after != before
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab_scheme_whatif.png"), full_page=True)
    finally:
        page.close()


@pytest.fixture
def start_app(tmp_path):
    """Start ``kpitools app --no-browser --port P [ARGS]`` in its own session; return the
    printed address. Every app started is stopped at the end of the test."""
    started = []

    def start(*args: str) -> str:
        port = free_port()
        log = tmp_path / f"app{len(started)}.log"
        out = open(log, "w+")  # noqa: SIM115 - closed in the finalizer
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from kpitools.cli import main; sys.exit(main())",
                "app",
                "--no-browser",
                f"--port={port}",
                *args,
            ],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((proc, out))
        deadline = time.monotonic() + 60
        line = f"What-if dashboard: http://localhost:{port}/  (Ctrl-C to stop)"
        while line not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "kpitools app printed no address in 60 s"
            time.sleep(0.3)
        return f"http://localhost:{port}/"

    try:
        yield start
    finally:
        for proc, out in started:
            _stop(proc)
            out.close()


@pytest.fixture
def app_server(start_app):
    """``kpitools app --no-browser --port P``; yields the printed address."""
    return start_app()


def test_kpitools_app_serves_the_dashboard_without_code(browser, app_server):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        page.set_default_timeout(WAIT_MS)
        page.goto(app_server, timeout=WAIT_MS)
        page.locator(".kpitools-total-cost-value").first.wait_for(timeout=WAIT_MS)
        text = page.locator("body").inner_text()
        assert "Bonus scheme what-if" in text
        assert "SchemeExplorer(" not in text  # no code visible
        assert "whatif_inputs" not in page.content()
        before = _total_cost(page)
        _nudge_slider(page, "kpitools-control-on-target-pay")
        assert _wait_for_change(page, before) != before
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "kpitools_app.png"), full_page=True)
    finally:
        page.close()


def _cost_with_roster(data, scheme, roster) -> str:
    """The total cost of a scheme run on data joined with a roster, as ``simulate`` runs it."""
    table, _, loaded = load_inputs(data, roster=roster)
    run = run_scheme(table, scheme, roster=loaded)
    return money(compute_metrics(run)["total_cost"], "RUB")


def _dashboard_text(browser, url: str) -> tuple[str, str]:
    """The dashboard's total cost and the text of its page once it shows."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        page.set_default_timeout(WAIT_MS)
        page.goto(url, timeout=WAIT_MS)
        page.locator(".kpitools-total-cost-value").first.wait_for(timeout=WAIT_MS)
        return _total_cost(page), page.locator("body").inner_text()
    finally:
        page.close()


def test_kpitools_app_shows_the_demo_company_with_its_roster(browser, start_app, tmp_path):
    # the new-hire draw needs the roster's hire dates: without it the app would refuse it
    files = make_demo_company().write(tmp_path / "demo")
    scheme = resolve_template("new_hire_draw.yaml")
    cost, text = _dashboard_text(browser, start_app("--scheme", "new_hire_draw.yaml"))
    assert cost == _cost_with_roster(files["data"], scheme, files["roster"])
    assert "payments of" in text  # the payments of one employee, from the hire date on


def test_kpitools_app_pays_from_the_users_roster(browser, start_app, tmp_path):
    # pay per person: 10% of each salary, every salary in the user's roster doubled
    files = make_demo_company().write(tmp_path / "demo")
    roster = pd.read_csv(files["roster"], dtype=str)
    roster["salary"] = (roster["salary"].astype(int) * 2).astype(str)
    roster.to_csv(tmp_path / "people.csv", index=False)
    scheme = tmp_path / "salary.yaml"
    load_scheme(resolve_template(DEFAULT_SCHEME)).set(
        "on_target_pay", {"pct_of_salary": 0.1}
    ).to_yaml(scheme)
    url = start_app(
        "--data", str(files["data"]), "--roster", str(tmp_path / "people.csv"),
        "--scheme", str(scheme),
    )  # fmt: skip
    cost, _ = _dashboard_text(browser, url)
    assert cost == _cost_with_roster(files["data"], scheme, tmp_path / "people.csv")
    assert cost != _cost_with_roster(files["data"], scheme, files["roster"])

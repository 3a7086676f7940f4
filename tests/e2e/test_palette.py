"""The command palette and privilege tiers on the real app: the global shortcut pressed as a
synthetic X11 key press (XTEST, through xdotool: the app's key grab on the root window gets
it whichever window has the focus) opens the palette window; typing and Enter activate; a
Tier 0 role in the popup asks for one explicit confirmation; elevatectl refuses a Tier 0
activation without --yes when nobody can answer a prompt."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.fixtures import ARTIFACTS
from elevate_harness.session import images_differ, wait_until

PALETTE = "Elevate palette (demo)"
APP_ADMIN = "entraRole:9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3:/"  # Tier 0, justification required


@pytest.fixture
def bins() -> dict[str, str]:
    out = {}
    for key, var in (("cli", "ELEVATE_CLI_BIN"), ("sim", "ELEVATE_SIM_BIN")):
        path = os.environ.get(var, "")
        if not path or not Path(path).is_file():
            pytest.fail(f"{var} must name the built binary: run through `make test`")
        out[key] = path
    return out


def cli_bin() -> str:
    path = os.environ.get("ELEVATE_CLI_BIN", "")
    assert Path(path).is_file(), "ELEVATE_CLI_BIN must name the built elevatectl: run through `make test`"
    return path


def xdotool(desktop: DesktopSession, *args: str) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(["xdotool", *args], env=desktop.env, capture_output=True, text=True, timeout=15)
    assert out.returncode == 0, out.stderr
    return out


def signed_in(desktop: DesktopSession) -> None:
    desktop.tray.wait_registered(timeout=60)
    wait_until(lambda: any(l.startswith("Demo tenant: ") for l in desktop.tray.menu().labels()), 60, "the demo user signed in")


def settled_capture(desktop: DesktopSession, title: str, path: Path) -> Path:
    """The window once it is painted: two captures in a row the same, and not one colour."""
    previous = path.with_suffix(".previous.png")

    def painted() -> bool:
        desktop.window_screenshot(title, path)
        colours = subprocess.run(["identify", "-format", "%k", str(path)], capture_output=True, text=True, timeout=30).stdout
        same = previous.exists() and images_differ(previous, path) == 0
        shutil.copy(path, previous)
        return same and colours.strip().isdigit() and int(colours) > 16

    wait_until(painted, 30, f"{title} painted", interval=0.3)
    previous.unlink(missing_ok=True)
    return path


def test_the_shortcut_opens_the_palette_and_enter_activates(desktop: DesktopSession, app_bin: str) -> None:
    app = desktop.start_app(app_bin, "--demo")
    signed_in(desktop)
    assert not desktop.window_viewable(PALETTE)
    # A synthetic key press of the default shortcut, with no window of the app focused.
    xdotool(desktop, "key", "ctrl+alt+e")
    wait_until(lambda: desktop.window_viewable(PALETTE), 30, "the palette window after Ctrl+Alt+E")
    # Type a few letters of the name (no window manager here: the focus is given explicitly),
    # and Enter: Helpdesk Administrator's policy asks for nothing, so it is activated at once.
    window = xdotool(desktop, "search", "--onlyvisible", "--name", f"^{re.escape(PALETTE)}$").stdout.split()[0]
    xdotool(desktop, "windowfocus", "--sync", window)
    # Typed once the page has painted its list (keys sent before the webview is up are lost).
    settled_capture(desktop, PALETTE, desktop.artifacts / "palette-opened.png")
    xdotool(desktop, "type", "--delay", "20", "admin")
    shot = settled_capture(desktop, PALETTE, desktop.artifacts / "palette-demo.png")
    shutil.copy(shot, ARTIFACTS / "palette-demo.png")
    xdotool(desktop, "key", "ctrl+a")
    xdotool(desktop, "type", "--delay", "20", "helpdesk")
    settled_capture(desktop, PALETTE, desktop.artifacts / "palette-helpdesk.png")
    xdotool(desktop, "key", "Return")
    # Activated through the service: the tray lists it with its time left, the palette closed.
    wait_until(lambda: any(l.startswith("Helpdesk Administrator · ") for l in desktop.tray.menu().labels()), 60, "the activation in the tray")
    wait_until(lambda: not desktop.window_viewable(PALETTE), 30, "the palette to close after Enter")
    data = desktop.home / ".local" / "share" / "elevate" / "demo"
    history = desktop.run_command([cli_bin(), "history", "--json"], env={"ELEVATE_DATA_DIR": str(data)}, name="elevatectl")
    assert history.returncode == 0, history.stderr
    assert [(r["action"], r["label"]) for r in json.loads(history.stdout)] == [("activate", "Helpdesk Administrator")]
    # The shortcut opens it again (it was registered once, not consumed).
    xdotool(desktop, "key", "ctrl+alt+e")
    wait_until(lambda: desktop.window_viewable(PALETTE), 30, "the palette a second time")
    assert app.alive()


def test_a_tier0_role_asks_for_one_confirmation_in_the_popup(desktop: DesktopSession, app_bin: str) -> None:
    driver = desktop.start_webdriver()
    outcome: dict[str, object] = {}

    def create() -> None:
        try:
            outcome["id"] = driver.new_session(app_bin, ["--demo"], timeout=120)
        except Exception as err:  # reported on the test's thread
            outcome["error"] = err

    t = threading.Thread(target=create, daemon=True)
    t.start()
    desktop.tray.wait_registered(timeout=60)
    desktop.tray.click("Open Elevate…")
    t.join(120)
    assert "error" not in outcome, outcome.get("error")
    try:
        driver.wait_for("#app[data-ready='true']", timeout=30)
        row = f'li[data-key="{APP_ADMIN}"]'
        badge = driver.wait_for(f"{row} .badge.tier.tier0", timeout=30)
        assert driver.text(badge) == "Tier 0"
        assert driver.attribute(badge, "aria-label") == "Tier 0: can take over the tenant"
        # The first click opens the form; it says what the role can do and its button confirms.
        driver.click(driver.find(f"{row} button.primary"))
        driver.wait_for(f"{row} form .tier0-warning", timeout=10)
        submit = driver.find(f'{row} form button[data-confirm="tier0"]')
        assert driver.text(submit) == "Confirm Tier 0 activation"
        driver.send_keys(driver.find(f'{row} input[name="justification"]'), "app registration incident")
        driver.click(submit)
        driver.wait_for(f'{row}[data-status="active"]', timeout=30)
    finally:
        driver.quit()


def test_elevatectl_refuses_tier0_without_yes_when_it_cannot_ask(desktop: DesktopSession, bins: dict[str, str]) -> None:
    sim = desktop.start_sim(bins["sim"], "--scenario", "demo", "--auto-sign-in")
    env = {**sim.env(), "ELEVATE_CLIENT_ID": "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13", "BROWSER": desktop.browser_command()}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return desktop.run_command([bins["cli"], *args], env=env, name="elevatectl")

    assert cli("login", "--device-code").returncode == 0
    out = cli("activate", "Application Administrator", "-j", "rotate a secret")
    assert out.returncode == 3, out.stderr
    assert "Tier 0" in out.stderr and "--yes" in out.stderr, out.stderr
    assert sim.control("GET", "counters")["routes"].get("graph.roleAssignmentScheduleRequests.create", 0) == 0, "nothing sent"
    out = cli("activate", "Application Administrator", "-j", "rotate a secret", "--yes", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["state"] == "active"
    # A Tier 1 role needs no confirmation.
    out = cli("activate", "User Administrator", "-j", "patching")
    assert out.returncode == 0, out.stderr

"""The tray app on the built-in demo tenant: the popup lists the tenant's assignments, an
activation through the popup (with the justification its policy requires) shows up in the
popup, the tray menu and the tray icon."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

from elevate_harness import DesktopSession
from elevate_harness.fixtures import ARTIFACTS, ROOT
from elevate_harness.session import images_differ, wait_until

ICONS = ROOT / "icons" / "tray"
UA = "entraRole:fe930be7-5e62-47db-91af-98c3a49a38b1:/"


def demo_data(desktop: DesktopSession) -> Path:
    return desktop.home / ".local" / "share" / "elevate" / "demo"


def cli_bin() -> str:
    path = os.environ.get("ELEVATE_CLI_BIN", "")
    assert Path(path).is_file(), "ELEVATE_CLI_BIN must name the built elevatectl: run through `make test`"
    return path


def open_popup_with_webdriver(desktop: DesktopSession, app_bin: str, *args: str):
    driver = desktop.start_webdriver()
    outcome: dict[str, object] = {}

    def create() -> None:
        try:
            outcome["id"] = driver.new_session(app_bin, list(args), timeout=120)
        except Exception as err:  # reported on the test's thread
            outcome["error"] = err

    t = threading.Thread(target=create, daemon=True)
    t.start()
    desktop.tray.wait_registered(timeout=60)
    desktop.tray.click("Open Elevate…")
    t.join(120)
    assert "error" not in outcome, outcome.get("error")
    return driver


def test_activate_from_the_popup_on_the_demo_tenant(desktop: DesktopSession, app_bin: str) -> None:
    driver = open_popup_with_webdriver(desktop, app_bin, "--demo")
    try:
        driver.wait_for("#app[data-ready='true']", timeout=30)
        rows = driver.find_all("li.item")
        assert len(rows) >= 29, len(rows)
        assert "demo tenant" in driver.text(driver.find("footer"))
        time.sleep(0.5)
        shot = desktop.window_screenshot("Elevate (demo)", desktop.artifacts / "popup-demo.png")
        shutil.copy(shot, ARTIFACTS / "popup-demo.png")

        search = driver.find("input.search")
        driver.send_keys(search, "user admin directory")
        wait_until(lambda: driver.execute("return document.querySelectorAll('li.item').length") == 1, 10, "the search to narrow the list")
        driver.click(driver.find(f'li[data-key="{UA}"] button.primary'))
        form = driver.wait_for(f'li[data-key="{UA}"] form', timeout=10)
        assert form, "User Administrator requires a justification: the popup asks for it inline"
        driver.send_keys(driver.find(f'li[data-key="{UA}"] input[name="justification"]'), "demo e2e")
        driver.click(driver.find(f'li[data-key="{UA}"] form button[type="submit"]'))
        active = driver.wait_for(f'li[data-key="{UA}"][data-status="active"]', timeout=30)
        assert "left" in driver.text(active)
        assert len(driver.find_all(f'li[data-key="{UA}"]')) == 1, "listed once, as active"

        # The tray follows: the active icon, and the assignment in the menu with time left.
        wait_until(lambda: images_differ(desktop.tray.icon_file(), ICONS / "active.png") == 0, 20, "the active tray icon")
        labels = desktop.tray.menu().labels()
        assert any(l.startswith("User Administrator · ") and "left" in l for l in labels), labels
        assert "Deactivate" in labels and "Extend" in labels
        time.sleep(0.5)  # let the page paint the new state before the artifact screenshot
        shot = desktop.window_screenshot("Elevate (demo)", desktop.artifacts / "popup-demo-active.png")
        shutil.copy(shot, ARTIFACTS / "popup-demo-active.png")
    finally:
        driver.quit()
    # The popup's activation is in the demo's history, as elevatectl reads it.
    history = desktop.run_command([cli_bin(), "history", "--json"], env={"ELEVATE_DATA_DIR": str(demo_data(desktop))}, name="elevatectl")
    assert history.returncode == 0, history.stderr
    records = json.loads(history.stdout)
    assert [(r["action"], r["label"], r["justification"]) for r in records] == [("activate", "User Administrator", "demo e2e")], records


SEC = "entraRole:194ae4cb-b126-40b2-bd5b-6091b380977d:/"


def test_a_starred_favorite_activates_from_the_tray_in_one_click(desktop: DesktopSession, app_bin: str) -> None:
    driver = open_popup_with_webdriver(desktop, app_bin, "--demo")
    try:
        driver.wait_for("#app[data-ready='true']", timeout=30)
        # Security Administrator needs a justification and a ticket: type them, then star it.
        driver.click(driver.find(f'li[data-key="{SEC}"] button.primary'))
        driver.wait_for(f'li[data-key="{SEC}"] form', timeout=10)
        driver.send_keys(driver.find(f'li[data-key="{SEC}"] input[name="justification"]'), "SOC shift")
        driver.send_keys(driver.find(f'li[data-key="{SEC}"] input[name="ticket"]'), "INC-7")
        driver.click(driver.find(f'li[data-key="{SEC}"] button.star'))
        driver.wait_for(f'li[data-key="{SEC}"] button.star[aria-pressed="true"]', timeout=10)
        # (The WebDriver session owns the app: the tray part happens before it ends.)
        wait_until(lambda: "★ Security Administrator" in desktop.tray.menu().labels(), 20, "the favorite in the tray menu")
        desktop.tray.click("★ Security Administrator")
        # Granted, then "ready" once the role is among the user's directory roles.
        note = desktop.notifications.wait_for("Security Administrator is ready", timeout=60)
        assert note.app_name == "Elevate"
        wait_until(lambda: any(l.startswith("Security Administrator · ") for l in desktop.tray.menu().labels()), 20, "the activation in the tray")
    finally:
        driver.quit()


def test_the_popup_follows_a_dark_system_theme(desktop: DesktopSession, app_bin: str) -> None:
    desktop.env["GTK_THEME"] = "Adwaita:dark"  # what a dark desktop hands to GTK apps
    driver = open_popup_with_webdriver(desktop, app_bin, "--demo")
    try:
        driver.wait_for("#app[data-ready='true']", timeout=30)
        bg = driver.execute("return getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(22, 24, 29)", f"dark background expected, got {bg}"
        time.sleep(0.5)
        shot = desktop.window_screenshot("Elevate (demo)", desktop.artifacts / "popup-demo-dark.png")
        shutil.copy(shot, ARTIFACTS / "popup-demo-dark.png")
    finally:
        driver.quit()


def test_the_demo_signs_in_through_the_browser_flow(desktop: DesktopSession, app_bin: str) -> None:
    app = desktop.start_app(app_bin, "--demo")
    desktop.tray.wait_registered(timeout=60)
    wait_until(lambda: any(l.startswith("Demo tenant: ") for l in desktop.tray.menu().labels()), 30, "the demo user signed in")
    asked = (desktop.artifacts / "browser.log").read_text()
    assert "authorize /" in asked and "/oauth2/v2.0/authorize" in asked, asked
    assert "code_challenge_method=S256 state=yes redirect_uri=http://localhost:" in asked, asked
    assert app.alive()


def test_the_demo_signs_in_without_a_browser(desktop: DesktopSession, app_bin: str) -> None:
    # No browser can be started: the demo says so and falls back to a device code.
    app = desktop.start_app(app_bin, "--demo", env={"BROWSER": "/nonexistent/browser"})
    desktop.tray.wait_registered(timeout=60)
    wait_until(lambda: any(l.startswith("Demo tenant: ") for l in desktop.tray.menu().labels()), 30, "the demo user signed in")
    assert "signing in to the demo tenant with a device code" in app.output()
    assert not (desktop.artifacts / "browser.log").exists()

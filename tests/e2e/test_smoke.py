"""Smoke: the real built app, under the harness, from tray to rendered popup."""

from __future__ import annotations

import re
import shutil
import threading
import time

from elevate_harness import DesktopSession
from elevate_harness.session import images_differ, wait_until

from elevate_harness.fixtures import ARTIFACTS, ROOT

ICONS = ROOT / "icons" / "tray"

OPEN = "Open Elevate…"
QUIT = "Quit Elevate"


def test_tray_menu_opens_the_popup_and_webdriver_reads_it(desktop: DesktopSession, app_bin: str) -> None:
    driver = desktop.start_webdriver()
    # The popup's webview, and with it WebKit's automation target, only exists once the
    # popup is opened: create the WebDriver session while the test clicks the tray.
    outcome: dict[str, object] = {}

    def create_session() -> None:
        try:
            outcome["id"] = driver.new_session(app_bin, timeout=120)
        except Exception as err:  # reported below, on the test's thread
            outcome["error"] = err

    creator = threading.Thread(target=create_session, daemon=True)
    creator.start()
    try:
        item = desktop.tray.wait_registered(timeout=60)
        props = desktop.tray.properties(item)
        assert props["Status"] == "Active", props
        assert "elevate" in props["Id"], props
        # The idle-state icon, pixel for pixel.
        assert images_differ(desktop.tray.icon_file(item), ICONS / "idle.png") == 0

        menu = desktop.tray.menu(item)
        assert OPEN in menu.labels() and QUIT in menu.labels() and "Refresh" in menu.labels(), menu.labels()
        assert not desktop.window_viewable("Elevate"), "the popup must not exist before it is opened"

        desktop.tray.click(OPEN, item)
        creator.join(120)
        assert "error" not in outcome, outcome.get("error")
        assert "id" in outcome, "the WebDriver session was not created in time"

        wait_until(lambda: desktop.window_viewable("Elevate"), 15, "the popup window to be viewable")
        driver.wait_for("#app[data-ready='true']", timeout=15)
        assert driver.text(driver.find("h1")) == "Elevate"
        footer = driver.text(driver.find("footer"))
        assert re.fullmatch(r"Elevate \d+\.\d+\.\d+ · (demo tenant|your tenant)", footer), footer
        assert driver.attribute(driver.find("button.close"), "aria-label") == "Close Elevate"
        # Not signed in (no tenant configured here): one Sign in button, not error banners.
        assert driver.text(driver.wait_for(".signin button", timeout=10)) == "Sign in"

        time.sleep(0.5)  # let the page paint before the artifact screenshots

        shot = desktop.window_screenshot("Elevate", desktop.artifacts / "popup-webdriver.png")
        assert shot.stat().st_size > 1000
        whole = desktop.screenshot("desktop-with-popup")
        shutil.copy(whole, ARTIFACTS / "smoke-popup.png")
    finally:
        driver.quit()


def test_quit_from_the_tray_menu_ends_the_app(desktop: DesktopSession, app_bin: str) -> None:
    app = desktop.start_app(app_bin)
    desktop.tray.wait_registered(timeout=60)
    desktop.tray.click(QUIT)
    wait_until(lambda: not app.alive(), 15, "the app to exit after Quit")
    assert app.popen.returncode == 0, app.output()


def test_closing_the_popup_destroys_it_and_keeps_the_tray(desktop: DesktopSession, app_bin: str) -> None:
    app = desktop.start_app(app_bin, "--open")
    desktop.tray.wait_registered(timeout=60)
    wait_until(lambda: desktop.window_viewable("Elevate"), 20, "the popup opened by --open")
    desktop.tray.click(OPEN)  # opening an open popup only focuses it
    assert desktop.window_names().count("Elevate") == 1
    # Escape reaches the page through the X server like a real key press; the page may still
    # be loading when the window maps, so press until it closes.
    def closed() -> bool:
        if "Elevate" not in desktop.window_names():
            return True
        desktop.press_key("Elevate", "Escape")
        return False
    wait_until(closed, 20, "the popup to be destroyed on Escape", interval=0.5)
    # Destroyed, not hidden: its WebKit processes are gone too.
    wait_until(lambda: "WebKitWebProcess" not in desktop.window_names(), 20, "the webview process to exit")
    assert app.alive(), "closing the popup must not quit the tray app"
    assert OPEN in desktop.tray.menu().labels()


def test_a_second_launch_opens_the_popup_of_the_first(desktop: DesktopSession, app_bin: str) -> None:
    first = desktop.start_app(app_bin)
    desktop.tray.wait_registered(timeout=60)
    assert not desktop.window_viewable("Elevate")
    second = desktop.spawn("app-second", [app_bin])
    wait_until(lambda: not second.alive(), 15, "the second launch to hand over and exit")
    wait_until(lambda: desktop.window_viewable("Elevate"), 15, "the first instance's popup")
    assert first.alive()
    assert len(desktop.tray.items) == 1, "one tray icon"

"""Managed settings end to end: with ELEVATE_POLICY_FILE naming the organisation's policy,
the settings window (the real webview, driven through WebDriver) shows the locked settings
disabled with "Set by your organisation" and refuses nothing else; the app applies start at
login itself; elevatectl refuses a tenant the policy does not allow before any request, with
the policy's exit code; a malformed policy is said and the safe defaults hold."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.fixtures import ARTIFACTS
from elevate_harness.session import wait_until

POLICY_EXIT = 3


def write_policy(desktop: DesktopSession, policy: object | str) -> Path:
    path = desktop.home / "policy.json"
    path.write_text(policy if isinstance(policy, str) else json.dumps(policy))
    desktop.env["ELEVATE_POLICY_FILE"] = str(path)
    return path


def demo_dir(desktop: DesktopSession) -> Path:
    d = desktop.home / ".local" / "share" / "elevate" / "demo"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture
def cli_bins() -> dict[str, str]:
    out = {}
    for key, var in (("cli", "ELEVATE_CLI_BIN"), ("sim", "ELEVATE_SIM_BIN")):
        path = os.environ.get(var, "")
        if not path or not Path(path).is_file():
            pytest.fail(f"{var} must name the built binary: run through `make test`")
        out[key] = path
    return out


def test_the_settings_window_shows_what_the_organisation_sets_as_locked(desktop: DesktopSession, app_bin: str) -> None:
    policy = write_policy(desktop, {"start_at_login": True, "auto_activate_favorites": False, "max_duration": "PT2H"})
    # The user's own file says otherwise: the organisation's choice is what holds.
    (demo_dir(desktop) / "config.toml").write_text("auto_activate_favorites = true\nstart_at_login = false\n")
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
    wait_until(lambda: "Settings…" in desktop.tray.menu().labels(), 30, "Settings in the tray menu")
    desktop.tray.click("Settings…")
    t.join(120)
    assert "error" not in outcome, outcome.get("error")
    try:
        driver.wait_for("#settings[data-ready='true']", timeout=30)
        for name in ("startAtLogin", "autoActivateFavorites"):
            box = driver.find(f'input[name="{name}"]')
            assert driver.attribute(box, "disabled") is not None, f"{name} is disabled"
            assert driver.attribute(box, "data-locked") == "true", name
        locked = [driver.text(e) for e in driver.find_all("small.locked")]
        assert locked == ["Set by your organisation", "Set by your organisation"], locked
        assert driver.execute("return document.querySelector('input[name=\"startAtLogin\"]').checked;") is True
        assert driver.execute("return document.querySelector('input[name=\"autoActivateFavorites\"]').checked;") is False
        assert str(policy) in driver.text(driver.find("p.managed"))
        duration = driver.execute("return document.querySelector('input[name=\"defaultDuration\"]').closest('label').textContent;")
        assert "at most PT2H, set by your organisation" in duration, duration
        # What the organisation leaves to the user still saves; its own value stays in the file.
        reminders = driver.find('input[name="reminders"]')
        driver.clear(reminders)
        driver.send_keys(reminders, "30, 10")
        driver.click(driver.find('button[type="submit"]'))
        wait_until(lambda: driver.text(driver.find(".status")) == "Saved.", 20, "the save")
        time.sleep(0.5)
        shot = driver.screenshot(desktop.artifacts / "settings-managed.png")
        shutil.copy(shot, ARTIFACTS / "settings-managed.png")
        saved = (demo_dir(desktop) / "config.toml").read_text()
        assert "start_at_login = false" in saved and "auto_activate_favorites = true" in saved, saved
        # The app applied the organisation's start at login itself.
        autostart = list((desktop.home / ".config" / "autostart").glob("*.desktop"))
        assert autostart, "an autostart entry, set by the organisation"
    finally:
        driver.quit()


def test_elevatectl_refuses_a_tenant_the_organisation_does_not_allow(desktop: DesktopSession, cli_bins: dict[str, str]) -> None:
    write_policy(desktop, {"allowed_tenants": ["contoso.onmicrosoft.com"], "sign_in_methods": ["browser"]})
    sim = desktop.start_sim(cli_bins["sim"], "--scenario", "demo", "--auto-sign-in")
    env = {**sim.env(), "BROWSER": desktop.browser_command()}
    before = sum(sim.control("GET", "counters")["routes"].values())
    out = desktop.run_command([cli_bins["cli"], "login", "--tenant", "other.example"], env=env, timeout=60, name="elevatectl")
    assert out.returncode == POLICY_EXIT, (out.returncode, out.stderr)
    assert "Tenant 'other.example' is not allowed" in out.stderr, out.stderr
    assert "contoso.onmicrosoft.com" in out.stderr and "set by your organisation" in out.stderr, out.stderr
    # ELEVATE_TENANT_ID (the sim's own tenant) is not on the list either.
    out = desktop.run_command([cli_bins["cli"], "whoami"], env=env, timeout=60, name="elevatectl")
    assert out.returncode == POLICY_EXIT, (out.returncode, out.stderr)
    assert sum(sim.control("GET", "counters")["routes"].values()) == before, "nothing reached the tenant"
    # The sim's tenant allowed, but not the device code flow.
    write_policy(desktop, {"allowed_tenants": [env["ELEVATE_TENANT_ID"]], "sign_in_methods": ["browser"]})
    out = desktop.run_command([cli_bins["cli"], "login", "--device-code"], env=env, timeout=60, name="elevatectl")
    assert out.returncode == POLICY_EXIT, (out.returncode, out.stderr)
    assert "Signing in with device-code is not allowed" in out.stderr, out.stderr
    out = desktop.run_command([cli_bins["cli"], "login"], env=env, timeout=90, name="elevatectl")
    assert out.returncode == 0, out.stderr


def test_a_malformed_policy_is_said_and_mcp_stays_off(desktop: DesktopSession, cli_bins: dict[str, str]) -> None:
    path = write_policy(desktop, '{"mcp_enabled": true, "max_duraton": "PT1H"}')
    sim = desktop.start_sim(cli_bins["sim"], "--scenario", "demo", "--auto-sign-in")
    env = {**sim.env(), "BROWSER": desktop.browser_command()}
    out = desktop.run_command([cli_bins["cli"], "mcp"], env=env, timeout=60, name="elevatectl")
    assert out.returncode == POLICY_EXIT, (out.returncode, out.stderr)
    assert f"({path}) was refused: unknown key 'max_duraton'" in out.stderr, out.stderr
    assert "safe defaults" in out.stderr and "MCP (AI agents over elevatectl mcp) is turned off" in out.stderr, out.stderr

"""Expiry reminders on the demo tenant: an activation made elsewhere (elevatectl, like the
portal) is picked up, a reminder with Extend/Open/Dismiss arrives at its lead time (the demo
clock advanced), and Extend schedules a gapless new activation."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.fixtures import ROOT
from elevate_harness.session import images_differ, wait_until

ICONS = ROOT / "icons" / "tray"
CLIENT = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13"


def control(base: str, method: str, path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}/_sim/{path}", data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def demo_with_cli(desktop: DesktopSession, app_bin: str) -> tuple[str, str, dict[str, str]]:
    """The app on its demo tenant, and elevatectl signed in to the same tenant (acting
    "elsewhere", like the portal). Returns the tenant's base URL, elevatectl and its env."""
    cli_bin = os.environ.get("ELEVATE_CLI_BIN", "")
    if not Path(cli_bin).is_file():
        pytest.fail("ELEVATE_CLI_BIN must name the built elevatectl: run through `make test`")
    app = desktop.start_app(app_bin, "--demo")
    desktop.tray.wait_registered(timeout=60)
    base = wait_until(lambda: (m := re.search(r"demo tenant at (http://127\.0\.0\.1:\d+)", app.output())) and m.group(1), 30, "the demo tenant's address")
    env = {"ELEVATE_CLOUD": "custom", "ELEVATE_TENANT_ID": "8f1d7c52-3b0a-4a9e-9c21-6d0e5f4b2a10", "ELEVATE_CLIENT_ID": CLIENT,
           "ELEVATE_LOGIN_URL": f"{base}/login", "ELEVATE_GRAPH_URL": f"{base}/graph", "ELEVATE_ARM_URL": f"{base}/arm"}
    assert desktop.run_command([cli_bin, "login", "--device-code"], env=env, name="elevatectl").returncode == 0
    return base, cli_bin, env


def test_reminder_then_extend_from_the_notification(desktop: DesktopSession, app_bin: str) -> None:
    base, cli_bin, env = demo_with_cli(desktop, app_bin)
    out = desktop.run_command([cli_bin, "activate", "User Administrator", "-j", "reminder test", "--duration", "30m"], env=env, name="elevatectl")
    assert out.returncode == 0, out.stderr

    desktop.tray.click("Refresh")
    wait_until(lambda: any(l.startswith("User Administrator · ") for l in desktop.tray.menu().labels()), 20, "the activation in the tray menu")
    wait_until(lambda: images_differ(desktop.tray.icon_file(), ICONS / "active.png") == 0, 20, "the active icon")

    control(base, "POST", "clock", {"advance": "PT16M"})
    note = desktop.notifications.wait_for(lambda n: n.summary.startswith("User Administrator expires in"), timeout=30)
    assert note.app_name == "Elevate"
    assert set(note.actions) >= {"extend", "open", "dismiss"}
    assert "without a gap" in note.body
    wait_until(lambda: images_differ(desktop.tray.icon_file(), ICONS / "expiring.png") == 0, 20, "the expiring icon")
    reminders = [n for n in desktop.notifications.received if "expires in" in n.summary]
    assert len(reminders) == 1, "one reminder per lead time"

    desktop.notifications.invoke_action(note, "extend")
    desktop.notifications.wait_for("Extended", timeout=30)
    activations = [a for a in control(base, "GET", "activations") if "fe930be7" in a["target"]]
    assert len(activations) == 2, activations
    starts = sorted(a["start"] for a in activations)
    ends = sorted(a["end"] for a in activations)
    assert starts[1] == ends[0], "the new activation starts when the current one ends"


def test_a_pending_request_is_followed_and_its_approval_notified(desktop: DesktopSession, app_bin: str) -> None:
    base, cli_bin, env = demo_with_cli(desktop, app_bin)
    out = desktop.run_command([cli_bin, "activate", "Privileged Role Administrator", "-j", "audit", "--yes"], env=env, name="elevatectl")
    assert out.returncode == 1, out.stderr  # pending approval
    desktop.tray.click("Refresh")
    wait_until(lambda: "Privileged Role Administrator · waiting for approval" in desktop.tray.menu().labels(), 20, "the pending request in the tray")
    wait_until(lambda: images_differ(desktop.tray.icon_file(), ICONS / "pending.png") == 0, 20, "the pending icon")
    assert "Cancel request" in desktop.tray.menu().labels()
    pending = control(base, "GET", "approvals")
    control(base, "POST", f"approvals/{pending[0]['id']}/approve")
    note = desktop.notifications.wait_for("Privileged Role Administrator approved", timeout=40)
    assert "approved" in note.body
    wait_until(lambda: images_differ(desktop.tray.icon_file(), ICONS / "active.png") == 0, 20, "the active icon")
    # Then the ready check: the role is among the user's directory roles (/me/memberOf).
    ready = desktop.notifications.wait_for("Privileged Role Administrator is ready", timeout=60)
    assert "in effect" in ready.body

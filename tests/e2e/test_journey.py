"""The whole journey on a tenant (elevate-sim standing in for Entra), as a new user lives it:
"sign in" notification → browser sign-in (an HTTP client acting as the browser) → tokens in
the Secret Service and nowhere else → favorites activated at start, one summary → an expiry
reminder → Extend → renewed without a gap → an approval → an auth-context step-up → sign-out
empties the secret store. A screenshot of the desktop at each step is kept as an artifact."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.session import wait_until

CLIENT = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13"
UA = "entraRole:fe930be7-5e62-47db-91af-98c3a49a38b1:/"
# Needs an approver (Tier 1: a Tier 0 favorite opens the popup to confirm instead of sending).
CAA = "entraRole:b1be1c3e-b65d-4f19-8427-f6fa0d97feb9:/"
UAA = "azureResource:18d7d88d-d35e-4fb5-a5c3-7773c20a72d9:/subscriptions/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def sign_in_secrets(desktop: DesktopSession) -> list:
    """Elevate's refresh tokens in the Secret Service (the history's key and signed head live
    there too, and outlive a sign-out: they are not the session's)."""
    return [i for i in desktop.secrets.search({"service": "elevate"}) if not i.attributes.get("username", "").startswith("history-")]


def favorite(key: str, label: str, justification: str | None = None) -> dict[str, object]:
    return {"key": key, "label": label, "justification": justification, "ticketNumber": None, "ticketSystem": None, "duration": "PT1H"}


def test_sign_in_favorites_reminder_approval_step_up_sign_out(desktop: DesktopSession, app_bin: str) -> None:
    sim_bin = os.environ.get("ELEVATE_SIM_BIN", "")
    if not Path(sim_bin).is_file():
        pytest.fail("ELEVATE_SIM_BIN must name the built elevate-sim: run through `make test`")
    sim = desktop.start_sim(sim_bin, "--scenario", "demo", "--auto-sign-in")
    # The tenant's clock 46 minutes behind ours: a one-hour activation made now ends in 14
    # minutes by our clock, inside the 15-minute reminder.
    behind = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=46)
    sim.control("POST", "clock", {"set": behind.strftime("%Y-%m-%dT%H:%M:%SZ")})
    config = desktop.home / ".config" / "elevate"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("auto_activate_favorites = true\nreminders = [15, 5]\n")
    data = desktop.home / ".local" / "share" / "elevate"
    data.mkdir(parents=True)
    (data / "favorites.json").write_text(json.dumps([
        favorite(UA, "User Administrator", "daily ops"),
        favorite(CAA, "Conditional Access Administrator", "audit"),
        favorite(UAA, "User Access Administrator on Contoso Development", "access review"),
    ]))
    env = {**sim.env(), "ELEVATE_CLIENT_ID": CLIENT, "BROWSER": desktop.browser_command()}
    app = desktop.start_app(app_bin, env=env)
    desktop.tray.wait_registered(timeout=60)

    # 1. Nobody signed in: one notification with a Sign in button; the browser flow.
    note = desktop.notifications.wait_for("Sign in to Elevate", timeout=30)
    assert "signin" in note.actions
    desktop.screenshot("1-sign-in-needed")
    desktop.notifications.invoke_action(note, "signin")
    items = wait_until(lambda: sign_in_secrets(desktop), 30, "the refresh token in the Secret Service")
    tokens = [i.secret.decode() for i in items]
    for path in desktop.home.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert not any(t.encode() in blob for t in tokens), f"{path} holds a token in plaintext"

    # 2. Favorites at start (after the sign-in): the plain one activated; approval and
    #    step-up need the user, so they are listed, not sent.
    summary = desktop.notifications.wait_for(lambda n: n.summary.startswith("Favorites:"), timeout=60)
    assert summary.summary == "Favorites: 1 activated, 2 need you", summary.summary
    desktop.notifications.wait_for("User Administrator is ready", timeout=60)
    desktop.screenshot("2-favorites-activated")

    # 3. The reminder, then Extend: a second activation starting when the first ends.
    reminder = desktop.notifications.wait_for(lambda n: n.summary.startswith("User Administrator expires in"), timeout=60)
    desktop.notifications.invoke_action(reminder, "extend")
    desktop.notifications.wait_for("Extended", timeout=30)
    mine = [a for a in sim.control("GET", "activations") if "fe930be7" in a["target"] and a["activated"]]
    assert len(mine) == 2, mine
    assert sorted(a["start"] for a in mine)[1] == sorted(a["end"] for a in mine)[0], "no gap"
    desktop.screenshot("3-extended")

    # 4. Approval: the favorite from the tray sends the request; the approver approves.
    desktop.tray.click("★ Conditional Access Administrator")
    desktop.notifications.wait_for("Conditional Access Administrator waits for approval", timeout=30)
    pending = wait_until(lambda: sim.control("GET", "approvals"), 30, "the request at the approver")
    sim.control("POST", f"approvals/{pending[0]['id']}/approve")
    desktop.notifications.wait_for("Conditional Access Administrator approved", timeout=60)
    desktop.screenshot("4-approved")

    # 5. Auth-context step-up: the browser is sent back with the claims, then it activates.
    before = sim.control("GET", "counters")["routes"].get("login.authorize", 0)
    desktop.tray.click("★ User Access Administrator on Contoso Development")
    desktop.notifications.wait_for(lambda n: n.summary.startswith("User Access Administrator") and ("ready" in n.summary or "active" in n.summary), timeout=60)
    assert sim.control("GET", "counters")["routes"].get("login.authorize", 0) == before + 1, "one step-up sign-in"
    desktop.screenshot("5-stepped-up")

    # 6. Everything the tray sent is in the history elevatectl reads, and the chain holds.
    cli_bin = os.environ.get("ELEVATE_CLI_BIN", "")
    history = desktop.run_command([cli_bin, "history", "--json"], env=env, name="elevatectl")
    assert history.returncode == 0, history.stderr
    records = [(r["action"], r["label"]) for r in json.loads(history.stdout)]
    assert ("activate", "User Administrator") in records, records  # favorites at start
    assert ("extend", "User Administrator") in records, records  # the reminder's Extend
    assert ("activate", "Conditional Access Administrator") in records, records  # a tray favorite
    verify = desktop.run_command([cli_bin, "history", "--verify"], env=env, name="elevatectl")
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # 7. Sign-out from the tray empties the secret store.
    desktop.tray.click("Sign out")
    wait_until(lambda: sign_in_secrets(desktop) == [], 30, "the sign-in's secrets gone")
    kept = {i.attributes.get("username", "").split(":")[0] for i in desktop.secrets.search({"service": "elevate"})}
    assert kept == {"history-key", "history-head"}, kept
    wait_until(lambda: "Sign in…" in desktop.tray.menu().labels(), 30, "Sign in in the tray")
    desktop.screenshot("7-signed-out")

    # 8. No token the tenant issued in this session is anywhere: not under HOME, not in the
    #    app's output, not in elevatectl's (the logs of every process are in the artifacts).
    issued = sim.control("GET", "tokens")
    assert len(issued) >= 4, "codes, access, refresh and ID tokens were issued"
    places = [p for p in desktop.home.rglob("*") if p.is_file()] + [p for p in desktop.artifacts.glob("*.log") if p.name.startswith(("app", "elevatectl"))]
    for path in places:
        blob = path.read_bytes()
        leaked = [t[:12] for t in issued if t.encode() in blob]
        assert not leaked, f"{path} holds tokens the tenant issued: {leaked}"
    out = app.output()
    assert not any(t in out for t in issued), "the app's output holds a token"

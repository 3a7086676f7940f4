"""The harness itself, checked with real clients of each service it provides."""

from __future__ import annotations

import subprocess
from pathlib import Path

from elevate_harness import DesktopSession
from elevate_harness.session import wait_until

from elevate_harness.fixtures import ARTIFACTS


def test_notifications_are_recorded_and_actions_reach_the_sender(desktop: DesktopSession) -> None:
    sender = subprocess.Popen(
        ["notify-send", "--app-name=Elevate", "--action=extend=Extend", "--action=open=Open",
         "--wait", "Global Administrator expires in 5 minutes", "Extend to keep access"],
        env=desktop.env, stdout=subprocess.PIPE, text=True)
    try:
        note = desktop.notifications.wait_for("expires in 5 minutes")
        assert note.app_name == "Elevate"
        assert note.body == "Extend to keep access"
        assert note.actions == {"extend": "Extend", "open": "Open"}
        desktop.notifications.invoke_action(note, "extend")
        out, _ = sender.communicate(timeout=10)
        assert out.strip() == "extend"
    finally:
        sender.kill()


def test_a_server_without_actions_says_so() -> None:
    with DesktopSession(ARTIFACTS / "harness-no-actions", notification_capabilities=["body"]) as session:
        out = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.Notifications",
             "/org/freedesktop/Notifications", "org.freedesktop.Notifications.GetCapabilities"],
            env=session.env, capture_output=True, text=True, timeout=10, check=True).stdout
        assert '"body"' in out and '"actions"' not in out


def test_the_keyring_is_unlocked_and_readable_over_the_secret_service_api(desktop: DesktopSession) -> None:
    subprocess.run(["secret-tool", "store", "--label=Elevate test", "service", "elevate-test", "account", "alice"],
                   input="not-a-real-token", env=desktop.env, text=True, check=True, timeout=10)
    items = desktop.secrets.search({"service": "elevate-test"})
    assert [(i.label, i.attributes.get("account"), i.secret) for i in items] == [
        ("Elevate test", "alice", b"not-a-real-token")]
    desktop.secrets.store("seeded", {"service": "elevate-test", "account": "bob"}, b"seed")
    looked_up = subprocess.run(["secret-tool", "lookup", "service", "elevate-test", "account", "bob"],
                               env=desktop.env, capture_output=True, text=True, check=True, timeout=10)
    assert looked_up.stdout == "seed"
    assert desktop.secrets.search({"service": "nothing-here"}) == []


def test_each_session_is_isolated_and_torn_down(tmp_path: Path) -> None:
    with DesktopSession(tmp_path / "a") as a, DesktopSession(tmp_path / "b") as b:
        assert a.display != b.display
        assert a.bus_address != b.bus_address
        assert a.home != b.home and a.home.is_dir()
        assert str(a.home) != str(Path.home())
        home, procs = a.home, list(a._processes)
    assert not home.exists(), "the temporary HOME must be removed"
    wait_until(lambda: all(not p.alive() for p in procs), 10, "every helper process to stop")

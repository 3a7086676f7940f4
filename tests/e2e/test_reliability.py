"""Nothing lost, nothing leaked: corrupt files are moved aside and said by the app and by
elevatectl; twenty elevatectl processes starting together all find the Secret Service; a
failed start says why in the tray."""

from __future__ import annotations

import concurrent.futures
import json
import os
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.session import wait_until

ELEVATE_CLIENT = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13"


def binary(var: str) -> str:
    path = os.environ.get(var, "")
    if not Path(path).is_file():
        pytest.fail(f"{var} must name the built binary: run through `make test`")
    return path


def corrupt_everything(config: Path, data: Path) -> None:
    config.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("reminders = [15, \n")
    (data / "favorites.json").write_text("[{ not json")
    (data / "accounts.json").write_text("{{{")
    (data / "history.jsonl").write_text("not a record\n")


def moved_aside(d: Path, name: str) -> bool:
    return any(p.name.startswith(f"{name}.corrupt-") for p in d.iterdir())


def test_corrupt_files_are_moved_aside_and_elevatectl_says_so(desktop: DesktopSession) -> None:
    cli = binary("ELEVATE_CLI_BIN")
    config, data = desktop.home / ".config" / "elevate", desktop.home / ".local" / "share" / "elevate"
    corrupt_everything(config, data)
    out = desktop.run_command([cli, "favorites", "list"], name="elevatectl")
    assert out.returncode == 0, out.stderr
    for name in ("config.toml", "favorites.json", "accounts.json", "history.jsonl"):
        assert f"{name} could not be read" in out.stderr, (name, out.stderr)
        folder = config if name == "config.toml" else data
        assert moved_aside(folder, name), f"{name} kept beside, not lost"
    again = desktop.run_command([cli, "favorites", "list"], name="elevatectl")
    assert "could not be read" not in again.stderr, "said once: the files are fresh now"


def test_corrupt_files_are_said_by_the_app_once(desktop: DesktopSession, app_bin: str) -> None:
    data = desktop.home / ".local" / "share" / "elevate" / "demo"
    corrupt_everything(data, data)
    desktop.start_app(app_bin, "--demo")
    desktop.tray.wait_registered(timeout=60)
    for name in ("config.toml", "favorites.json", "accounts.json", "history.jsonl"):
        note = desktop.notifications.wait_for(lambda n, name=name: f"{name} could not be read" in n.body, timeout=30)
        assert "moved to" in note.body
        assert moved_aside(data, name)


def test_a_start_that_fails_says_why_in_the_tray(desktop: DesktopSession, app_bin: str) -> None:
    config = desktop.home / ".config" / "elevate"
    config.mkdir(parents=True)
    # "Custom endpoints" chosen without their URLs: the tray must not stay on "starting".
    (config / "config.toml").write_text('cloud = "custom"\n')
    desktop.start_app(app_bin)
    desktop.tray.wait_registered(timeout=60)
    labels = wait_until(lambda: (l := desktop.tray.menu().labels()) and any(x.startswith("Could not start:") for x in l) and l, 30, "the start error in the tray")
    assert any("the custom cloud needs ELEVATE_LOGIN_URL" in l for l in labels), labels
    assert any(l.startswith("Fix it in ") and "config.toml" in l for l in labels) and "Quit Elevate" in labels, labels


def test_twenty_elevatectl_at_once_all_use_the_secret_service(desktop: DesktopSession) -> None:
    cli, sim_bin = binary("ELEVATE_CLI_BIN"), binary("ELEVATE_SIM_BIN")
    sim = desktop.start_sim(sim_bin, "--scenario", "demo", "--auto-sign-in")
    env = {**sim.env(), "ELEVATE_CLIENT_ID": ELEVATE_CLIENT}
    login = desktop.run_command([cli, "login", "--device-code"], env=env, name="elevatectl")
    assert login.returncode == 0, login.stderr
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        runs = list(pool.map(lambda i: desktop.run_command([cli, "whoami", "--json"], env=env, name=f"whoami-{i}"), range(20)))
    for out in runs:
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["secretStore"] == "Secret Service", out.stdout
        assert "memory only" not in out.stderr, out.stderr

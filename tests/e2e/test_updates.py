"""Updates end to end: the app looks at the configured feed (a loopback stand-in serving
latest.json the way tauri-plugin-updater reads it), says that a newer version is there with
"Install and restart", and on that button downloads it and refuses it when its signature does
not match the public key built in (nothing installed, the app keeps running, the failure is
said); with the organisation's policy turning updates off the feed is never asked."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from elevate_harness import DesktopSession
from elevate_harness.session import wait_until


class Feed:
    """latest.json announcing 99.0.0 and a download whose signature is not ours."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                feed.paths.append(self.path)
                if self.path.startswith("/latest.json"):
                    body = json.dumps({
                        "version": "99.0.0",
                        "notes": "A test release",
                        "pub_date": "2026-11-29T00:00:00Z",
                        "platforms": {
                            "linux-x86_64": {
                                # A well-formed minisign signature made with another key.
                                "signature": "dW50cnVzdGVkIGNvbW1lbnQ6IHNpZ25hdHVyZSBmcm9tIHRhdXJpIHNlY3JldCBrZXkKUlVUK2ZlRjNpZ0NwQzNMK3RQY2k0R3VTemJ3Y1hIZk5aM2Vqc0I0TjZ2YmtFcDhsZm1scFdmSEl3eVh6L0pvNFZ2YlBiVHh3Nit3U0xSN2tKK2tOYmR1RUVWTGhVQm5vSWdzPQp0cnVzdGVkIGNvbW1lbnQ6IHRpbWVzdGFtcDoxNzAwMDAwMDAwCWZpbGU6ZWxldmF0ZS5kZWIKc2lnbmF0dXJlCg==",
                                "url": f"http://127.0.0.1:{feed.port}/elevate_99.0.0_amd64.deb",
                            }
                        },
                    }).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                else:
                    body = b"not a package signed by Elevate's key"
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/latest.json"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed() -> Iterator[Feed]:
    f = Feed()
    yield f
    f.close()


def demo_config(desktop: DesktopSession, text: str) -> None:
    d = desktop.home / ".local" / "share" / "elevate" / "demo"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.toml").write_text(text)


def test_a_newer_version_is_offered_and_a_download_with_a_foreign_signature_is_refused(
        desktop: DesktopSession, app_bin: str, feed: Feed) -> None:
    demo_config(desktop, f'[updates]\nenabled = true\nfeed = "{feed.url}"\n')
    app = desktop.start_app(app_bin, "--demo")
    desktop.tray.wait_registered(timeout=60)
    note = desktop.notifications.wait_for(lambda n: n.summary == "Elevate 99.0.0 is available", timeout=60)
    assert "install-update" in note.actions, note.actions
    assert "You have 0.1.0" in note.body, note.body
    assert feed.paths[0].startswith("/latest.json")
    desktop.notifications.invoke_action(note, "install-update")
    failed = desktop.notifications.wait_for(lambda n: n.summary == "Elevate 99.0.0 was not installed", timeout=60)
    assert "signature" in failed.body.lower(), failed.body
    assert any(p.endswith(".deb") for p in feed.paths), feed.paths
    assert app.alive(), "nothing was installed: the app keeps running"


def test_the_organisation_turning_updates_off_means_the_feed_is_never_asked(
        desktop: DesktopSession, app_bin: str, feed: Feed) -> None:
    policy = desktop.home / "policy.json"
    policy.write_text(json.dumps({"updates_enabled": False}))
    desktop.env["ELEVATE_POLICY_FILE"] = str(policy)
    # The user asks for updates; the organisation's policy wins.
    demo_config(desktop, f'[updates]\nenabled = true\nfeed = "{feed.url}"\n')
    app = desktop.start_app(app_bin, "--demo")
    desktop.tray.wait_registered(timeout=60)
    # The app says in its log what it decided, once it decided.
    wait_until(lambda: "Updates are off: set by your organisation" in app.output(), 60, "the update decision")
    assert feed.paths == [], feed.paths
    assert not any("is available" in n.summary for n in desktop.notifications.received), "no update offered"

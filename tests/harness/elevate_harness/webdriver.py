"""A small W3C WebDriver client (the few commands the end-to-end tests use), talking to
WebKitWebDriver on loopback, one connection per command. Small enough to read; no browser download, no driver manager."""

from __future__ import annotations

import base64
import http.client
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(AssertionError):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error


class WebDriver:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.session_id: str | None = None

    def _request(self, method: str, path: str, body: Any = None, timeout: float = 30.0,
                 idempotent: bool = False) -> Any:
        # A connection reset before the reply: a command without side effects is sent once
        # more; one with effects (a click) is not, so it can never happen twice.
        attempts = 2 if idempotent else 1
        for attempt in range(attempts):
            try:
                return self._send(method, path, body, timeout)
            except (ConnectionResetError, http.client.RemoteDisconnected):
                if attempt + 1 == attempts:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, body: Any, timeout: float) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            payload = json.loads(err.read() or b"{}")
            value = payload.get("value") or {}
            raise WebDriverError(value.get("error", str(err.code)), value.get("message", "")) from None
        value = payload.get("value")
        if isinstance(value, dict) and "error" in value:
            raise WebDriverError(value["error"], value.get("message", ""))
        return value

    def _s(self, path: str) -> str:
        if not self.session_id:
            raise WebDriverError("no session", "call new_session() first")
        return f"/session/{self.session_id}{path}"

    # -- session -------------------------------------------------------------------------
    def new_session(self, application: str, args: list[str] | None = None, timeout: float = 60.0) -> str:
        caps = {"capabilities": {"alwaysMatch": {
            # What tauri-driver would turn `tauri:options` into on Linux.
            "webkitgtk:browserOptions": {"binary": application, "args": args or []},
        }}}
        value = self._request("POST", "/session", caps, timeout=timeout)
        self.session_id = value["sessionId"]
        return self.session_id

    def quit(self) -> None:
        if self.session_id:
            try:
                self._request("DELETE", self._s(""), timeout=10)
            except (WebDriverError, OSError):
                pass
            self.session_id = None

    # -- page ----------------------------------------------------------------------------
    def title(self) -> str:
        return self._request("GET", self._s("/title"), idempotent=True)

    def navigate(self, url: str) -> None:
        self._request("POST", self._s("/url"), {"url": url})

    def execute(self, script: str, *args: Any) -> Any:
        return self._request("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        value = self._request("POST", self._s("/element"), {"using": "css selector", "value": css}, idempotent=True)
        if ELEMENT not in (value or {}):
            raise WebDriverError("unexpected reply", repr(value))
        return value[ELEMENT]

    def find_all(self, css: str) -> list[str]:
        values = self._request("POST", self._s("/elements"), {"using": "css selector", "value": css}, idempotent=True)
        return [v[ELEMENT] for v in values]

    def wait_for(self, css: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.find(css)
            except WebDriverError as err:
                if err.error != "no such element" or time.monotonic() >= deadline:
                    raise
            time.sleep(0.1)

    def text(self, element: str) -> str:
        return self._request("GET", self._s(f"/element/{element}/text"), idempotent=True)

    def attribute(self, element: str, name: str) -> str | None:
        return self._request("GET", self._s(f"/element/{element}/attribute/{name}"), idempotent=True)

    def click(self, element: str) -> None:
        self._request("POST", self._s(f"/element/{element}/click"), {})

    def clear(self, element: str) -> None:
        self._request("POST", self._s(f"/element/{element}/clear"), {})

    def send_keys(self, element: str, text: str) -> None:
        self._request("POST", self._s(f"/element/{element}/value"), {"text": text})

    def screenshot(self, path: Path) -> Path:
        # Note: without GDK's GL (the app turns it off) WebKit answers this at the page's next
        # frame, which a page at rest may not present for a while; the tests capture the
        # window from the X server instead (DesktopSession.window_screenshot).
        data = self._request("GET", self._s("/screenshot"), idempotent=True)
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

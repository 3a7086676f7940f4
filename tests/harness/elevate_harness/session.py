"""One isolated desktop per test: Xvfb, a D-Bus session bus, a temporary HOME, an unlocked
gnome-keyring, a recording notification server and a fake tray host."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Coroutine, TypeVar

from dbus_next import Message
from dbus_next.aio import MessageBus

from .notifications import NotificationServer
from .secrets import SecretService
from .tray import TrayHost

T = TypeVar("T")

KEYRING_PASSWORD = "elevate-test-keyring"


class HarnessError(RuntimeError):
    """The test environment itself failed (a helper did not start, a wait timed out)."""


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Polls `predicate` until it returns something truthy; raises with `what` on time-out."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise HarnessError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    """A free TCP port on loopback (for helpers that need a fixed port on their command line)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def images_differ(a: str | Path, b: str | Path) -> int:
    """How many pixels differ between two images of the same size (ImageMagick `compare`).
    An image that is gone counts as all different: the tray replaces its icon file when the
    state changes, so a path read a moment ago may already be deleted (waits poll again)."""
    if not Path(a).exists() or not Path(b).exists():
        return 1 << 30
    out = subprocess.run(["compare", "-metric", "AE", str(a), str(b), "null:"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode > 1 and "unable to open image" in out.stderr:
        return 1 << 30  # deleted between the check and the read
    if out.returncode > 1:
        raise HarnessError(f"compare failed: {out.stderr.strip()}")
    return int(float(out.stderr.split()[0]))


class _LoopThread:
    """An asyncio loop on its own thread, so tests stay synchronous while D-Bus services run."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="harness-dbus", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError as err:
            future.cancel()
            raise HarnessError(f"D-Bus call did not finish within {timeout:.0f}s") from err

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log: Path) -> None:
        self.name = name
        self.popen = popen
        self.log = log

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM to the whole group (WebKit helpers included), then SIGKILL after `grace`."""
        if self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait(5)
        # Stragglers of the group (a WebKit process, say) go too.
        self._signal_group(signal.SIGKILL)
        return self.popen.returncode

    def _signal_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


class SimProcess:
    """A running elevate-sim: its base URL and the environment that points Elevate at it."""

    def __init__(self, url: str, process: "Process") -> None:
        self.url = url
        self.process = process

    def env(self) -> dict[str, str]:
        tenant = ""
        for word in self.process.output().split():
            if word.startswith("ELEVATE_TENANT_ID="):
                tenant = word.split("=", 1)[1]
        return {"ELEVATE_CLOUD": "custom", "ELEVATE_TENANT_ID": tenant, "ELEVATE_LOGIN_URL": f"{self.url}/login",
                "ELEVATE_GRAPH_URL": f"{self.url}/graph", "ELEVATE_ARM_URL": f"{self.url}/arm"}

    def control(self, method: str, path: str, body: object = None) -> object:
        import json as _json
        data = None if body is None else _json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}/_sim/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return _json.loads(raw) if raw else None


class DesktopSession:
    """An isolated headless desktop. Use as a context manager; everything stops on exit."""

    def __init__(self, artifacts: Path, screen: str = "1280x800x24",
                 notification_capabilities: list[str] | None = None) -> None:
        self.artifacts = Path(artifacts)
        self.screen = screen
        self._notification_capabilities = notification_capabilities
        self._processes: list[Process] = []
        self._tmp: Path | None = None
        self._bus_holder: subprocess.Popen[bytes] | None = None
        self._loop: _LoopThread | None = None
        self._bus: MessageBus | None = None
        self.env: dict[str, str] = {}
        self.display = ""
        self.bus_address = ""
        # Set by start():
        self.tray: TrayHost
        self.notifications: NotificationServer
        self.secrets: SecretService

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> "DesktopSession":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix="elevate-desktop-"))
        home = self._tmp / "home"
        runtime = self._tmp / "runtime"
        for d in (home, home / ".config", home / ".local/share", home / ".cache",
                  home / ".local/state", runtime):
            d.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        keep = ("PATH", "LANG", "LC_ALL", "TERM", "RUST_BACKTRACE", "RUST_LOG")
        self.env = {k: v for k, v in os.environ.items() if k in keep}
        self.env.update({
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            "XDG_RUNTIME_DIR": str(runtime),
            "GDK_BACKEND": "x11",
            "NO_AT_BRIDGE": "1",
        })
        # A desktop has a browser: ours is an HTTP client that completes a sign-in as a user
        # whose session is open would (see browser.py).
        self.env["BROWSER"] = self.browser_command()
        self.display = self._start_xvfb()
        self.env["DISPLAY"] = self.display
        self.bus_address = self._start_bus()
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address

        self._loop = _LoopThread()
        self._bus = self.run(self._connect())
        self.tray = TrayHost(self)
        self.notifications = NotificationServer(self, self._notification_capabilities)
        self.run(self.tray._export())
        self.run(self.notifications._export())
        self._start_keyring()
        self.secrets = SecretService(self)

    async def _connect(self) -> MessageBus:
        # Built on the loop thread: MessageBus binds to the running loop when created.
        return await MessageBus(bus_address=self.bus_address).connect()

    def close(self) -> None:
        for proc in reversed(self._processes):
            proc.stop()
        self._processes.clear()
        if self._bus is not None and self._loop is not None:
            try:
                self._bus.disconnect()
            except Exception:
                pass
        if self._loop is not None:
            self._loop.stop()
            self._loop = None
        if self._bus_holder is not None:
            # Closing stdin ends the holder; dbus-run-session then stops the bus daemon.
            if self._bus_holder.stdin:
                self._bus_holder.stdin.close()
            try:
                self._bus_holder.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self._bus_holder.pid, signal.SIGKILL)
                self._bus_holder.wait(5)
            self._bus_holder = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # -- helpers for tests ---------------------------------------------------------------
    @property
    def home(self) -> Path:
        return Path(self.env["HOME"])

    @property
    def bus(self) -> MessageBus:
        assert self._bus is not None, "session not started"
        return self._bus

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        assert self._loop is not None, "session not started"
        return self._loop.run(coro, timeout)

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        assert self._loop is not None, "session not started"
        self._loop.loop.call_soon_threadsafe(fn, *args)

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None,
              stdin: int | None = subprocess.DEVNULL) -> Process:
        """Starts `argv` in the session's environment; output goes to artifacts/<name>.log."""
        log = self.artifacts / f"{name}.log"
        with open(log, "ab") as out:
            popen = subprocess.Popen(argv, env={**self.env, **(env or {})}, stdin=stdin,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        proc = Process(name, popen, log)
        self._processes.append(proc)
        return proc

    def start_app(self, binary: str, *args: str, env: dict[str, str] | None = None) -> Process:
        return self.spawn("app", [binary, *args], env=env)

    def start_webdriver(self, timeout: float = 20.0) -> "WebDriver":
        """Starts WebKitWebDriver on a loopback port. We talk to it directly rather than
        through tauri-driver: on Linux tauri-driver only renames `tauri:options`, and its
        proxy reuses a pooled connection without retrying, so a connection WebKitWebDriver has
        just closed drops a command (a click) with no reply."""
        from .webdriver import WebDriver
        port = free_port()
        native_driver = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
        # Tauri enables WebKit automation in the app only when this is set.
        proc = self.spawn("webdriver", [native_driver, f"--port={port}", "--host=127.0.0.1"],
                          env={"TAURI_WEBVIEW_AUTOMATION": "true"})
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            if not proc.alive():
                raise HarnessError(f"WebKitWebDriver exited: {proc.output()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/status", timeout=1):
                    return True
            except OSError:
                return False
        wait_until(ready, timeout, "WebKitWebDriver to listen")
        return WebDriver(url)

    def start_sim(self, binary: str, *args: str) -> "SimProcess":
        """Starts the standalone elevate-sim on a free loopback port; returns its URLs."""
        proc = self.spawn("elevate-sim", [binary, "--port", "0", *args], stdin=subprocess.DEVNULL)

        def url() -> str | None:
            for line in reversed(proc.output().splitlines()):
                if line.startswith("elevate-sim:") and "http://127.0.0.1:" in line:
                    return line.split()[-1]
            if not proc.alive():
                raise HarnessError(f"elevate-sim exited: {proc.output()[-2000:]}")
            return None
        return SimProcess(wait_until(url, 20, "elevate-sim to listen"), proc)

    def browser_command(self) -> str:
        """An executable for $BROWSER that completes sign-ins like a browser would."""
        assert self._tmp is not None
        path = self._tmp / "browser"
        harness = Path(__file__).resolve().parents[1]
        path.write_text(f"#!/bin/sh\nPYTHONPATH={harness} exec {sys.executable} -m elevate_harness.browser \"$1\" >>{self.artifacts}/browser.log 2>&1\n")
        path.chmod(0o755)
        return str(path)

    def run_command(self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 120,
                    name: str = "cmd") -> subprocess.CompletedProcess[str]:
        """Runs a command to completion in the session; its output is kept as an artifact."""
        out = subprocess.run(argv, env={**self.env, **(env or {})}, capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
        with open(self.artifacts / f"{name}.log", "a") as f:
            f.write(f"$ {' '.join(argv)}\n--- exit {out.returncode}\n{out.stdout}\n--- stderr\n{out.stderr}\n")
        return out

    def screenshot(self, name: str) -> Path:
        """The whole X screen as PNG, under the artifacts directory."""
        return self._capture("root", self.artifacts / f"{name}.png")

    def _capture(self, window: str, path: Path) -> Path:
        subprocess.run(["import", "-display", self.display, "-window", window, str(path)],
                       check=True, timeout=30, env=self.env, capture_output=True)
        return path

    def window_screenshot(self, title: str, path: Path) -> Path:
        """One top-level window, as the X server shows it, as PNG."""
        info = subprocess.run(["xwininfo", "-display", self.display, "-name", title],
                              capture_output=True, text=True, timeout=10, env=self.env).stdout
        wid = next((l.split()[3] for l in info.splitlines() if "Window id:" in l), None)
        if not wid:
            raise HarnessError(f"no window named {title!r} to capture")
        return self._capture(wid, path)

    def window_names(self) -> list[str]:
        """Names of the mapped top-level windows (xwininfo), to see what the app shows."""
        out = subprocess.run(["xwininfo", "-display", self.display, "-root", "-children"],
                             capture_output=True, text=True, timeout=10, env=self.env).stdout
        names = []
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("0x") and '"' in line:
                names.append(line.split('"')[1])
        return names

    def press_key(self, window_name: str, key: str) -> None:
        """Focuses the visible window called `window_name` and types `key` (xdotool syntax).

        With no window manager the X focus stays on the pointer root, so the focus is given
        explicitly. A window that closes on the key is gone before the key-up event: xdotool
        then reports BadWindow, which is the expected outcome, not a failure."""
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{window_name}$",
                              "windowfocus", "key", key],
                             env=self.env, capture_output=True, text=True, timeout=10)
        # No visible window of that name: xdotool exits 1 and says nothing.
        if out.returncode != 0 and out.stderr.strip() and "BadWindow" not in out.stderr:
            raise HarnessError(f"xdotool could not press {key} in {window_name!r}: {out.stderr.strip()}")

    def window_viewable(self, name: str) -> bool:
        out = subprocess.run(["xwininfo", "-display", self.display, "-name", name],
                             capture_output=True, text=True, timeout=10, env=self.env).stdout
        return "Map State: IsViewable" in out

    # -- the services ----------------------------------------------------------------------
    def _start_xvfb(self) -> str:
        read_fd, write_fd = os.pipe()
        log = self.artifacts / "xvfb.log"
        with open(log, "ab") as out:
            popen = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", self.screen,
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        os.close(write_fd)
        self._processes.append(Process("xvfb", popen, log))
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise HarnessError(f"Xvfb did not start: {log.read_text(errors='replace')[-2000:]}")
        return f":{number}"

    def _start_bus(self) -> str:
        # dbus-run-session owns the bus daemon; the shell prints the address and waits on
        # stdin, so closing stdin tears the whole bus down.
        self._bus_holder = subprocess.Popen(
            ["dbus-run-session", "--", "sh", "-c",
             'printf "%s\\n" "$DBUS_SESSION_BUS_ADDRESS"; exec cat >/dev/null'],
            env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True)
        assert self._bus_holder.stdout is not None
        address = self._bus_holder.stdout.readline().decode().strip()
        if not address:
            raise HarnessError("dbus-run-session did not report a bus address")
        return address

    def _start_keyring(self) -> None:
        proc = self.spawn("gnome-keyring",
                          ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                          stdin=subprocess.PIPE)
        assert proc.popen.stdin is not None
        proc.popen.stdin.write(KEYRING_PASSWORD.encode())
        proc.popen.stdin.close()
        wait_until(lambda: self.name_has_owner("org.freedesktop.secrets") or self._dead(proc),
                   15, "gnome-keyring to own org.freedesktop.secrets")
        if not proc.alive():
            raise HarnessError(f"gnome-keyring-daemon exited: {proc.output()[-2000:]}")

    def _dead(self, proc: Process) -> bool:
        return not proc.alive()

    def name_has_owner(self, name: str) -> bool:
        reply = self.run(self.bus.call(Message(
            destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus", member="NameHasOwner", signature="s", body=[name])))
        return bool(reply and reply.body and reply.body[0])

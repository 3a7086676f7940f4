"""Networks end to end with elevatectl: the sim served over HTTPS by a certificate authority
made for the test (elevate-sim --tls-ca-out) and trusted only through the system store's
variable (SSL_CERT_FILE); a certificate from another CA refused with its issuer named; every
request, sign-in included, through HTTPS_PROXY (a CONNECT proxy on loopback, started here,
bounded, recording what passed) and NO_PROXY's exemption; `elevatectl doctor` on a healthy
setup and on a wrong DNS name, an unknown CA and a proxy that is down."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.session import SimProcess, wait_until
from test_cli import ELEVATE_CLIENT, Cli, bins  # noqa: F401  (bins is a fixture)

INSPECTION_CA = "Contoso TLS Inspection CA"


def https_sim(desktop: DesktopSession, binary: str, name: str, ca_name: str, host: str | None = None) -> tuple[SimProcess, Path]:
    """An elevate-sim over HTTPS; its CA certificate is in the returned directory's ca.pem."""
    out = desktop.home / f"tls-{name}"
    args = [binary, "--port", "0", "--scenario", "demo", "--auto-sign-in", "--tls-ca-out", str(out), "--tls-ca-name", ca_name]
    if host:
        args += ["--host", host]
    proc = desktop.spawn(f"elevate-sim-{name}", args)

    def url() -> str | None:
        for line in proc.output().splitlines():
            if line.startswith("elevate-sim: scenario") and " on https://" in line:
                return line.split()[-1]
        assert proc.alive(), proc.output()[-2000:]
        return None

    return SimProcess(wait_until(url, 20, "elevate-sim over HTTPS"), proc), out


class ConnectProxy:
    """A CONNECT proxy on 127.0.0.1 that knows only the names given (its own resolution),
    records each request line, serves at most 100 connections and stops after 120 s."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.seen: list[str] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.deadline = time.monotonic() + 120
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        served = 0
        while served < 100 and time.monotonic() < self.deadline:
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            served += 1
            threading.Thread(target=self._tunnel, args=(conn,), daemon=True).start()
        self.server.close()

    def _tunnel(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 8192:
                chunk = conn.recv(1)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.seen.append(line)
            parts = line.split()
            if len(parts) < 2 or parts[0] != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            host, _, port = parts[1].rpartition(":")
            if host not in self.names:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection((self.names[host], int(port)), timeout=10)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            pump = threading.Thread(target=self._pump, args=(upstream, conn), daemon=True)
            pump.start()
            self._pump(conn, upstream)
            pump.join(timeout=30)
        except OSError:
            pass
        finally:
            conn.close()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(30)
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


def cli_for(desktop: DesktopSession, sim: SimProcess, binary: str, **extra: str) -> Cli:
    c = Cli(desktop, sim, binary)
    # The system store is what the machine has unless a test says otherwise.
    # Proxy variables from outside are blanked (an empty one is unset for Elevate); SSL_CERT_FILE
    # only where a test sets it (set, even empty, it replaces the system store).
    c.env = {**c.env, "HTTPS_PROXY": "", "https_proxy": "", "HTTP_PROXY": "", "http_proxy": "",
             "ALL_PROXY": "", "all_proxy": "", "NO_PROXY": "", "no_proxy": "", **extra}
    return c


def doctor(cli: Cli) -> tuple[int, dict, str]:
    out = cli("doctor", "--json")
    report = json.loads(out.stdout)
    text = cli("doctor")
    assert text.returncode == out.returncode and text.stdout.startswith("Elevate ") and "\nResult: " in text.stdout
    return out.returncode, report, out.stderr


def check(report: dict, endpoint: str, kind: str) -> dict:
    for e in report["endpoints"]:
        if e["name"] == endpoint:
            for c in e["checks"]:
                if c["kind"] == kind:
                    return c
    raise AssertionError(f"{endpoint} {kind} not in {report['text']}")


def test_doctor_on_the_plain_http_sim(desktop: DesktopSession, bins: dict[str, str]) -> None:  # noqa: F811
    sim = desktop.start_sim(bins["sim"], "--scenario", "demo", "--auto-sign-in")
    cli = cli_for(desktop, sim, bins["cli"])
    code, report, err = doctor(cli)
    assert code == 0, report["text"] + err
    assert report["ok"] and [e["name"] for e in report["endpoints"]] == [
        "Sign-in", "Microsoft Graph", "Azure Resource Manager", "Device sign-in page"]
    assert "Result: every check passed." in report["text"]
    assert check(report, "Sign-in", "tls")["status"] == "skipped"
    assert ELEVATE_CLIENT in report["clientId"] and report["cloud"] == "custom"


def test_https_with_the_ca_in_ssl_cert_file_and_an_unknown_ca_refused(desktop: DesktopSession, bins: dict[str, str]) -> None:  # noqa: F811
    sim, trusted = https_sim(desktop, bins["sim"], "trusted", INSPECTION_CA)
    rogue, _ = https_sim(desktop, bins["sim"], "rogue", "Rogue Inspection CA")
    cli = cli_for(desktop, sim, bins["cli"], SSL_CERT_FILE=str(trusted / "ca.pem"))
    code, report, err = doctor(cli)
    assert code == 0, report["text"] + err
    tls = check(report, "Microsoft Graph", "tls")
    assert f"issued by {INSPECTION_CA}" in tls["detail"] and "expires" in tls["detail"], tls
    assert "only SSL_CERT_FILE=" in report["trustStore"]
    login = cli("login", "--device-code")
    assert login.returncode == 0, login.stderr
    listed = cli("list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout), listed.stderr

    # The same trust store, a sim whose certificate another CA issued.
    bad = cli_for(desktop, rogue, bins["cli"], SSL_CERT_FILE=str(trusted / "ca.pem"))
    code, report, _ = doctor(bad)
    assert code == 4 and not report["ok"]
    tls = check(report, "Sign-in", "tls")
    assert tls["status"] == "fail"
    assert tls["detail"].startswith("TLS: certificate issued by Rogue Inspection CA is not trusted by this system"), tls
    assert "trust store" in tls["fix"]
    login = bad("login", "--device-code")
    assert login.returncode == 4, login.stderr
    assert "TLS: certificate issued by Rogue Inspection CA is not trusted by this system" in login.stderr


def test_everything_goes_through_https_proxy_and_no_proxy_exempts(desktop: DesktopSession, bins: dict[str, str]) -> None:  # noqa: F811
    sim, ca = https_sim(desktop, bins["sim"], "proxied", INSPECTION_CA, host="sim.invalid")
    port = sim.url.rsplit(":", 1)[1]
    proxy = ConnectProxy({"sim.invalid": "127.0.0.1"})
    cli = cli_for(desktop, sim, bins["cli"], SSL_CERT_FILE=str(ca / "ca.pem"), HTTPS_PROXY=proxy.url)
    login = cli("login", "--device-code")
    assert login.returncode == 0, login.stderr
    listed = cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert proxy.seen and set(proxy.seen) == {f"CONNECT sim.invalid:{port} HTTP/1.1"}, proxy.seen
    code, report, err = doctor(cli)
    assert code == 0, report["text"] + err
    assert check(report, "Sign-in", "proxy")["detail"] == f"{proxy.url} (from HTTPS_PROXY)"
    assert "the proxy resolves" in check(report, "Sign-in", "dns")["detail"]

    # Exempt: straight to sim.invalid, which only the proxy knows; nothing more passes the proxy.
    before = len(proxy.seen)
    exempt = cli_for(desktop, sim, bins["cli"], SSL_CERT_FILE=str(ca / "ca.pem"), HTTPS_PROXY=proxy.url,
                     no_proxy=".invalid")
    code, report, _ = doctor(exempt)
    assert code == 4
    assert check(report, "Microsoft Graph", "proxy")["detail"] == "none: no_proxy lists '.invalid'"
    assert check(report, "Microsoft Graph", "dns")["status"] == "fail"
    assert len(proxy.seen) == before, proxy.seen[before:]


def test_doctor_names_a_wrong_dns_name_and_a_proxy_that_is_down(desktop: DesktopSession, bins: dict[str, str]) -> None:  # noqa: F811
    sim, ca = https_sim(desktop, bins["sim"], "broken", INSPECTION_CA, host="sim.invalid")
    wrong = cli_for(desktop, sim, bins["cli"], SSL_CERT_FILE=str(ca / "ca.pem"),
                    ELEVATE_LOGIN_URL="https://nonexistent.invalid/login")
    code, report, _ = doctor(wrong)
    assert code == 4
    dns = check(report, "Sign-in", "dns")
    assert dns["status"] == "fail" and "nonexistent.invalid could not be resolved" in dns["detail"], dns
    assert "ELEVATE_LOGIN_URL" in dns["fix"]
    assert "Result: " in report["text"] and "Sign-in: dns" in report["text"]

    down = closed_port()
    dead = cli_for(desktop, sim, bins["cli"], SSL_CERT_FILE=str(ca / "ca.pem"),
                   HTTPS_PROXY=f"http://alice:s3cret@127.0.0.1:{down}")
    code, report, _ = doctor(dead)
    assert code == 4
    tcp = check(report, "Microsoft Graph", "tcp")
    assert tcp["status"] == "fail" and "does not accept connections" in tcp["detail"], tcp
    assert "HTTPS_PROXY" in tcp["fix"]
    assert "s3cret" not in json.dumps(report) and "alice" not in json.dumps(report)

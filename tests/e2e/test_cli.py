"""elevatectl end to end: real processes against the standalone simulator, tokens in the
session's real Secret Service, sign-in through $BROWSER acting as the user's browser."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.session import SimProcess, wait_until

ELEVATE_CLIENT = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13"


@pytest.fixture
def bins() -> dict[str, str]:
    out = {}
    for key, var in (("cli", "ELEVATE_CLI_BIN"), ("sim", "ELEVATE_SIM_BIN")):
        path = os.environ.get(var, "")
        if not path or not Path(path).is_file():
            pytest.fail(f"{var} must name the built binary: run through `make test`")
        out[key] = path
    return out


class Cli:
    def __init__(self, desktop: DesktopSession, sim: SimProcess, binary: str) -> None:
        self.desktop, self.sim, self.binary = desktop, sim, binary
        self.env = {**sim.env(), "ELEVATE_CLIENT_ID": ELEVATE_CLIENT, "BROWSER": desktop.browser_command()}

    def __call__(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return self.desktop.run_command([self.binary, *args], env=self.env, timeout=timeout, name="elevatectl")

    def json(self, *args: str) -> object:
        out = self(*args, "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


@pytest.fixture
def cli(desktop: DesktopSession, bins: dict[str, str]) -> Cli:
    sim = desktop.start_sim(bins["sim"], "--scenario", "demo", "--auto-sign-in")
    return Cli(desktop, sim, bins["cli"])


def signed_in(cli: Cli) -> Cli:
    out = cli("login", "--device-code")
    assert out.returncode == 0, out.stderr
    return cli


def test_device_code_login_keeps_the_token_in_the_secret_service_only(cli: Cli, desktop: DesktopSession) -> None:
    out = cli("login", "--device-code")
    assert out.returncode == 0, out.stderr
    assert "enter the code" in out.stderr and "Signed in as alex@contoso.example" in out.stderr
    who = cli.json("whoami")
    assert who["username"] == "alex@contoso.example" and who["secretStore"] == "Secret Service"
    items = desktop.secrets.search({"service": "elevate"})
    assert items, "the refresh token is in the Secret Service"
    tokens = [i.secret.decode() for i in items]
    for path in desktop.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(t.encode() in data for t in tokens), f"{path} holds a token in plaintext"
    out = cli("logout")
    assert out.returncode == 0
    assert desktop.secrets.search({"service": "elevate"}) == [], "sign-out removes the secrets"
    assert cli("whoami").returncode == 5


def test_browser_login_then_list_in_all_forms(cli: Cli) -> None:
    out = cli("login")
    assert out.returncode == 0, out.stderr
    everything = cli.json("list")
    planes = {a["plane"] for a in everything}
    assert planes == {"entraRole", "group", "azureResource"}
    first = everything[0]
    for key in ("plane", "name", "id", "access", "scope", "status", "assignmentType", "memberType", "startDateTime", "endDateTime", "policy"):
        assert key in first, key
    assert set(first["scope"]) >= {"id", "displayName", "type"}
    azure = cli.json("list", "--eligible", "--plane", "azure")
    assert len(azure) == 10 and all(a["status"] == "eligible" and a["plane"] == "azureResource" for a in azure)
    assert all(a["policy"] and a["policy"]["maxDuration"] for a in azure), "Azure policies are looked up"
    active = cli.json("list", "--active")
    assert {a["assignmentType"] for a in active} == {"permanent"}
    text = cli("list")
    assert text.returncode == 0 and "Global Administrator" in text.stdout and "approval" in text.stdout
    # The README's other read-only commands, as written.
    policy = cli("policy", "User Administrator", "--json")
    assert policy.returncode == 0 and json.loads(policy.stdout)["justification"] is True, policy.stderr
    done = cli("completions", "bash")
    assert done.returncode == 0 and "elevatectl" in done.stdout


REFUSALS = json.loads((Path(__file__).resolve().parents[1] / "cases" / "refusals.json").read_text())
EXIT_CODES = {"policy": 3, "invalidInput": 2}


def test_the_shared_refusal_table_holds_for_elevatectl(cli: Cli) -> None:
    """The same table the popup's commands are checked against (src-tauri/src/tests.rs)."""
    signed_in(cli)
    cli.sim.control("DELETE", "counters")
    for case in REFUSALS:
        args = ["activate", case["name"]]
        for flag, key in (("--justification", "justification"), ("--ticket", "ticket"), ("--duration", "duration")):
            if case[key] is not None:
                args += [flag, case[key]]
        out = cli(*args)
        assert out.returncode == EXIT_CODES[case["code"]], (case["case"], out.stderr)
        assert f"elevatectl: {case['message']}" in out.stderr, (case["case"], out.stderr)
    routes = cli.sim.control("GET", "counters")["routes"]
    assert routes.get("graph.roleAssignmentScheduleRequests.create", 0) == 0


def test_ambiguous_names_list_the_candidates_and_scope_picks_one(cli: Cli) -> None:
    signed_in(cli)
    out = cli("activate", "Contributor", "-j", "deploy")
    assert out.returncode == 2
    assert "matches 3 assignments" in out.stderr and "Contoso Development" in out.stderr
    out = cli("activate", "contributor", "--scope", "Contoso Development", "-j", "deploy", "--duration", "90m")
    assert out.returncode == 0, out.stderr
    assert "is active" in out.stderr
    # Asking again for what holds succeeds and says so: `elevatectl activate X && task` works.
    again = cli("activate", "Contributor", "--scope", "Contoso Development", "-j", "again", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["state"] == "alreadyActive"
    out = cli("deactivate", "Contributor", "--scope", "Contoso Development")
    assert out.returncode == 3 and "less than 5 minutes" in out.stderr
    history = cli.json("history")
    assert [h["action"] for h in history] == ["activate", "deactivate"]
    assert cli("history", "--verify").returncode == 0


def test_approval_with_wait_and_auth_context_step_up(cli: Cli, desktop: DesktopSession) -> None:
    signed_in(cli)
    waiting = subprocess.Popen([cli.binary, "activate", "Privileged Role Administrator", "-j", "audit", "--wait", "--timeout", "2m", "--yes"],
                               env={**desktop.env, **cli.env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pending = wait_until(lambda: cli.sim.control("GET", "approvals"), 30, "the request to wait for approval")
        cli.sim.control("POST", f"approvals/{pending[0]['id']}/approve")
        _, err = waiting.communicate(timeout=90)
        assert waiting.returncode == 0, err
        assert "waits for approval" in err and "is active" in err
    finally:
        waiting.kill()
    # Authentication context c2: the browser opens once more for the step-up, then it works.
    routes_before = cli.sim.control("GET", "counters")["routes"].get("login.authorize", 0)
    out = cli("activate", "User Access Administrator", "-j", "access review")
    assert out.returncode == 0, out.stderr
    assert cli.sim.control("GET", "counters")["routes"].get("login.authorize", 0) == routes_before + 1
    out = cli("activate", "Owner", "--scope", "Contoso Production", "-j", "fix the prod deploy")
    assert out.returncode == 1, "pending approval without --wait exits 1"
    pending = [a for a in cli.json("list") if a["status"] == "pendingApproval"]
    assert pending and pending[0]["requestId"]
    assert cli("cancel", pending[0]["requestId"]).returncode == 0


def test_throttling_is_absorbed_and_favorites_activate(cli: Cli) -> None:
    signed_in(cli)
    cli.sim.control("POST", "faults", {"route": "graph.batch", "kind": "throttle", "retryAfter": 1})
    assert cli("list").returncode == 0
    assert cli("favorites", "add", "Cloud Ops Break-glass (member)", "-j", "on call", "--duration", "1h").returncode == 0
    assert cli("favorites", "add", "Security Administrator", "-j", "soc").returncode == 0
    favs = cli.json("favorites", "list")
    assert [f["label"] for f in favs] == ["Cloud Ops Break-glass (member)", "Security Administrator"]
    out = cli("favorites", "activate", "--json")
    results = json.loads(out.stdout)
    assert results[0]["result"] == "sent" and results[0]["state"] == "active"
    # Needs a ticket the favorite did not save: reported, not sent.
    assert results[1]["result"] == "needsYou" and "ticket" in results[1]["reason"]
    assert out.returncode == 3
    again = json.loads(cli("favorites", "activate", "--json").stdout)
    assert again[0]["result"] == "alreadyActive"


class Mcp:
    """A minimal MCP client over stdio: newline-delimited JSON-RPC."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.next_id = 1

    def request(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"the MCP server closed stdout; stderr: {self.proc.stderr.read() if self.proc.stderr else ''}")
            msg = json.loads(line)
            if msg.get("id") == rid:
                assert "error" not in msg, msg
                return msg["result"]
        raise AssertionError(f"no answer to {method}")

    def send(self, msg: dict) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def call(self, tool: str, **arguments: object) -> tuple[bool, str]:
        result = self.request("tools/call", {"name": tool, "arguments": arguments})
        text = "".join(c.get("text", "") for c in result["content"])
        return bool(result.get("isError")), text


def test_mcp_session_over_stdio(cli: Cli, desktop: DesktopSession) -> None:
    signed_in(cli)
    # What an agent may do is bounded by the user's config.
    config = desktop.home / "mcp-config.toml"
    config.write_text('[defaults]\njustification = "never used by agents"\n[mcp]\nallow = ["User Administrator", "Privileged Role Administrator"]\n')
    env = {**desktop.env, **cli.env, "ELEVATE_CONFIG": str(config)}
    proc = subprocess.Popen([cli.binary, "mcp"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        mcp = Mcp(proc)
        init = mcp.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                          "clientInfo": {"name": "elevate-test", "version": "1"}})
        assert init["serverInfo"]["name"] == "elevate"
        mcp.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools = {t["name"]: t for t in mcp.request("tools/list")["tools"]}
        assert set(tools) == {"list_eligible", "list_active", "activate", "deactivate",
                              "list_pending_approvals", "decide_approval", "policy", "history", "audit", "posture",
                              "list_access_reviews", "list_bundles", "activate_bundle"}
        assert tools["list_bundles"]["annotations"]["readOnlyHint"] is True
        assert tools["activate_bundle"]["annotations"]["destructiveHint"] is True
        assert tools["policy"]["annotations"]["readOnlyHint"] is True
        assert tools["history"]["annotations"]["readOnlyHint"] is True
        assert tools["list_pending_approvals"]["annotations"]["readOnlyHint"] is True
        assert tools["decide_approval"]["annotations"]["destructiveHint"] is True
        assert "justification" in tools["activate"]["inputSchema"]["properties"]
        assert tools["activate"]["annotations"]["destructiveHint"] is True
        assert tools["deactivate"]["annotations"]["destructiveHint"] is True
        assert tools["list_eligible"]["annotations"]["readOnlyHint"] is True

        err, text = mcp.call("list_eligible", plane="group")
        assert not err
        groups = json.loads(text)
        assert len(groups) == 6 and all(g["plane"] == "group" for g in groups)

        cli.sim.control("DELETE", "counters")
        err, text = mcp.call("activate", name="User Administrator")
        assert err and "own justification" in text and "[policy]" in text, text
        err, text = mcp.call("activate", name="Exchange Administrator", justification="agent")
        assert err and "not in the roles an AI agent may activate" in text, text
        err, text = mcp.call("activate", name="Privileged Role Administrator", justification="agent")
        assert err and "needs an approver" in text and "allow_approval" in text, text
        assert cli.sim.control("GET", "counters")["routes"].get("graph.roleAssignmentScheduleRequests.create", 0) == 0
        # The replaced PIM MCP server's parameters: duration in hours, directory_scope_id.
        err, text = mcp.call("activate", name="User Administrator", justification="MCP test", duration=-1)
        assert err and "number of hours" in text, text
        err, text = mcp.call("activate", name="User Administrator", justification="MCP test", duration=1,
                             directory_scope_id="/")
        assert not err, text
        assert json.loads(text)["state"] == "active"
        err, text = mcp.call("list_active", format="compat")
        assert not err, text
        compat = json.loads(text)["assignments"]
        assert {"type": "EntraRole", "name": "User Administrator", "status": "Active"}.items() <= next(
            a for a in compat if a["name"] == "User Administrator").items(), compat
        err, text = mcp.call("list_eligible", format="nope")
        assert err and "unknown format" in text
        err, text = mcp.call("policy", name="User Administrator")
        assert not err and json.loads(text)["policy"]["justification"] is True, text
        err, text = mcp.call("history", limit=5)
        assert not err, text
        hist = json.loads(text)
        assert hist["verification"]["firstBadLine"] is None, hist["verification"]
        assert any(r["action"] == "activate" and r["label"] == "User Administrator" and r["duration"] == "PT1H"
                   for r in hist["records"]), hist["records"]

        err, text = mcp.call("list_active")
        assert not err and any(a["name"] == "User Administrator" for a in json.loads(text))
        err, text = mcp.call("deactivate", name="User Administrator")
        assert err and "5 minutes" in text
        err, text = mcp.call("list_eligible", plane="mars")
        assert err and "unknown plane" in text

        # Approvals: listing is read only; deciding is off unless the config turns it on.
        made = cli.sim.control("POST", "requests", {"user": "lee@contoso.example", "plane": "entra",
                                                     "role": "Conditional Access Administrator", "justification": "CA change"})
        err, text = mcp.call("list_pending_approvals")
        assert not err, text
        waiting = json.loads(text)["approvals"]
        assert any(a["requestId"] == made["id"] and a["requester"]["displayName"] == "Lee Gu" for a in waiting)
        err, text = mcp.call("decide_approval", id=made["id"], decision="approve", justification="agent says ok")
        assert err and "allow_mcp_decisions" in text and "[policy]" in text, text
        assert cli.sim.control("GET", "counters")["routes"].get("graph.roleAssignmentApprovals.decide", 0) == 0
    finally:
        proc.kill()
        proc.wait(10)


def test_approvals_list_approve_and_deny_with_stable_json_and_exit_codes(cli: Cli) -> None:
    signed_in(cli)
    assert cli("approvals", "list").stdout.strip() == "Nothing waits for your decision."
    entra = cli.sim.control("POST", "requests", {"user": "lee@contoso.example", "plane": "entra",
                                                  "role": "Conditional Access Administrator",
                                                  "justification": "CA change CHG-9", "duration": "PT2H"})
    group = cli.sim.control("POST", "requests", {"user": "lee@contoso.example", "plane": "group",
                                                  "group": "SOC Analysts", "access": "owner", "justification": "incident"})
    azure = cli.sim.control("POST", "requests", {"user": "megan@contoso.example", "plane": "azure", "role": "Owner",
                                                  "scope": "/subscriptions/5f2a1c3e-7b4d-4e6f-8a9b-0c1d2e3f4a5b",
                                                  "justification": "release"})
    listed = cli.json("approvals", "list")
    assert listed["failures"] == []
    by_request = {a["requestId"]: a for a in listed["approvals"]}
    first = by_request[entra["id"]]
    assert first["plane"] == "entraRole" and first["name"] == "Conditional Access Administrator"
    assert first["requester"]["displayName"] == "Lee Gu" and first["duration"] == "PT2H"
    assert first["decidable"] == "yes" and first["expires"]
    assert by_request[group["id"]]["approverJustification"] is True
    assert {a["plane"] for a in listed["approvals"]} == {"entraRole", "group", "azureResource"}
    assert len(cli.json("approvals", "list", "--plane", "azure")["approvals"]) == 1
    table = cli("approvals", "list").stdout
    assert "REQUESTER" in table and "Lee Gu" in table and "justification required" in table

    # The policy wants the approver's words: refused before sending, exit 3.
    out = cli("approvals", "approve", group["id"])
    assert out.returncode == 3 and "justification" in out.stderr, out.stderr
    out = cli("approvals", "approve", first["key"], "--justification", "CAB approved", "--json")
    assert out.returncode == 0, out.stderr
    decided = json.loads(out.stdout)
    assert decided["state"] == "recorded" and decided["verdict"] == "approve"
    out = cli("approvals", "deny", group["id"], "-j", "use the runbook")
    assert out.returncode == 0 and "denied" in out.stderr, out.stderr
    # Someone else first: said as that, exit 0; a name that waits for nothing: exit 2.
    cli.sim.control("POST", f"approvals/{azure['id']}/approve")
    out = cli("approvals", "deny", by_request[azure["id"]]["key"], "-j", "too late", "--json")
    assert out.returncode == 0, out.stderr
    late = json.loads(out.stdout)
    assert late["state"] == "alreadyDecided" and late["result"] == "approved", late
    assert cli("approvals", "approve", "no-such-request").returncode == 2
    history = cli.json("history")
    decisions = [(h["action"], h["outcome"]) for h in history if h["action"] in ("approve", "deny")]
    assert decisions == [("approve", "policy"), ("approve", "recorded"), ("deny", "recorded")], decisions


def test_roles_and_output_formats_as_the_replaced_pim_cli_offers(cli: Cli) -> None:
    signed_in(cli)
    raw = cli("roles", "--plane", "entra", "--json")
    assert raw.returncode == 0, raw.stdout[-600:]
    roles = json.loads(raw.stdout)
    names = {r["name"] for r in roles["roles"]}
    assert {"Global Administrator", "User Administrator"} <= names and roles["failures"] == []
    assert all(r["plane"] == "entraRole" for r in roles["roles"])
    azure = {r["name"] for r in cli.json("roles", "--plane", "azure")["roles"]}
    assert {"Owner", "Contributor"} <= azure, azure
    groups = cli.json("roles", "--plane", "group")["roles"]
    assert [g["id"] for g in groups] == ["member", "owner"]
    table = cli("roles", "--plane", "entra").stdout
    assert table.startswith("NAME") and "Global Administrator" in table
    out = cli("list", "--eligible", "--plane", "entra", "-o", "yaml")
    assert out.returncode == 0, out.stderr
    assert "plane: entraRole" in out.stdout and "name: Global Administrator" in out.stdout, out.stdout[:500]
    assert json.loads(cli("whoami", "-o", "json").stdout)["username"] == "alex@contoso.example"


def test_audit_merges_the_tenant_log_and_the_local_history(cli: Cli) -> None:
    signed_in(cli)
    out = cli("activate", "User Administrator", "-j", "audit e2e", "--duration", "30m")
    assert out.returncode == 0, out.stderr
    report = cli.json("audit", "--since", "7d")
    assert report["tenantError"] is None, report["tenantError"]
    sources = {(e["source"], e["activity"], e["target"]) for e in report["events"]}
    assert ("local", "activate", "User Administrator") in sources
    assert ("tenant", "Add member to role completed (PIM activation)", "User Administrator") in sources
    azure = cli.json("audit", "--plane", "azure", "--role", "owner")["events"]
    assert azure and all(e["plane"] == "azureResource" for e in azure)
    table = cli("audit", "--user", "megan")
    assert table.returncode == 0 and "megan" in table.stdout.lower(), table.stdout
    bad = cli("audit", "--since", "last week")
    assert bad.returncode == 2 and "7d" in bad.stderr, bad.stderr
    # Without the consent for the audit log: the local history, the reason, exit 4.
    cli.sim.control("POST", "settings", {"withheldScopes": ["AuditLog.Read.All"]})
    out = cli("audit")
    assert out.returncode == 4 and "AuditLog.Read.All" in out.stderr, out.stderr
    assert "activate" in out.stdout


def test_assign_and_remove_as_a_group_owner_with_the_rules_checked_first(cli: Cli) -> None:
    signed_in(cli)
    base = ("--access", "member", "-j", "on-call rota")
    out = cli("assign", "lee@contoso.example", "Platform Engineers", *base, "--permanent")
    assert out.returncode == 3 and "permanent" in out.stderr, out.stderr
    out = cli("assign", "Lee Gu", "Platform Engineers", *base, "--duration", "30d", "--json")
    assert out.returncode == 0, out.stderr
    done = json.loads(out.stdout)
    assert done["outcome"]["status"] == "Provisioned" and done["user"]["userPrincipalName"] == "lee@contoso.example"
    again = cli("assign", "lee@contoso.example", "Platform Engineers", *base, "--duration", "30d")
    assert again.returncode == 4 and "already assigned" in again.stderr, again.stderr
    out = cli("remove", "lee@contoso.example", "Platform Engineers", "--access", "member")
    assert out.returncode == 0 and "removed" in out.stderr, out.stderr
    out = cli("assign", "lee@contoso.example", "SOC Analysts", *base, "--duration", "30d")
    assert out.returncode == 4 and "Privileged Role Administrator" in out.stderr, out.stderr
    assert [h["action"] for h in cli.json("history") if h["action"] in ("assign", "remove")] == ["assign", "assign", "remove", "assign"]

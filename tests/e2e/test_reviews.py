"""elevatectl reviews end to end against the standalone simulator's demo tenant: the access
review decisions waiting for Alex on Graph and ARM (table, JSON, YAML), each decision, the
rules refused before sending (exit 3), an unknown id (exit 2), a missing consent said with
the permission (exit 4), the history, and the MCP tool."""

from __future__ import annotations

import json
import subprocess

from elevate_harness import DesktopSession
from test_cli import Cli, Mcp, bins, cli, signed_in  # noqa: F401  (bins and cli are fixtures)

PRA_REVIEW = "Privileged Role Administrator: quarterly review"
SOC_REVIEW = "SOC Analysts: membership review"
AZURE_REVIEW = "Contributor on rg-security-prod"


def items_of(cli: Cli) -> list[dict]:
    report = cli.json("reviews", "list")
    assert report["failures"] == [], report["failures"]
    return report["reviews"]


def find(items: list[dict], review: str, who: str) -> dict:
    return next(i for i in items if i["reviewName"] == review and i["principal"]["displayName"] == who)


def test_reviews_are_listed_and_decided_with_the_rules_checked_first(cli: Cli) -> None:
    signed_in(cli)
    items = items_of(cli)
    assert {(i["reviewName"], i["api"]) for i in items} == {
        (PRA_REVIEW, "graph"), (SOC_REVIEW, "graph"), (AZURE_REVIEW, "arm")}
    assert len(items) == 5
    pra = find(items, PRA_REVIEW, "Megan Bowen")
    assert pra["kind"] == "entraRole" and pra["pim"] is True and pra["justificationRequired"] is True
    assert pra["decision"] == "notReviewed" and pra["recommendation"] == "Approve" and pra["due"]
    # The table for people (the default command is `list`).
    table = cli("reviews")
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("ID") and "Megan Bowen" in table.stdout and "justification to approve" in table.stdout
    yaml = cli("reviews", "list", "-o", "yaml")
    assert yaml.returncode == 0 and "reviewName:" in yaml.stdout, yaml.stdout[:300]
    # Approving needs words here: refused before sending, the rule named.
    out = cli("reviews", "decide", pra["key"], "--approve")
    assert out.returncode == 3 and "justificationRequiredOnApproval" in out.stderr, out.stderr
    # One decision flag, exactly.
    out = cli("reviews", "decide", pra["key"])
    assert out.returncode == 2, out.stderr
    out = cli("reviews", "decide", pra["key"], "--approve", "--justification", "Runs the on-call rota", "--json")
    assert out.returncode == 0, out.stderr
    done = json.loads(out.stdout)
    assert done["decision"] == "approve" and done["key"] == pra["key"]
    soc = find(items, SOC_REVIEW, "Lee Gu")
    out = cli("reviews", "decide", soc["decisionId"], "--deny")
    assert out.returncode == 0 and "Lee Gu" in out.stderr, out.stderr
    azure = next(i for i in items if i["api"] == "arm")
    out = cli("reviews", "decide", azure["key"], "--dont-know", "-j", "not my subscription")
    assert out.returncode == 0, out.stderr
    left = items_of(cli)
    assert {i["key"] for i in left} == {i["key"] for i in items} - {pra["key"], soc["key"], azure["key"]}
    # Decided already (or never mine): exit 2 with what to do.
    out = cli("reviews", "decide", pra["key"], "--deny")
    assert out.returncode == 2 and "reviews list" in out.stderr, out.stderr
    history = [h for h in cli.json("history") if h["action"].startswith("review:")]
    assert [h["action"] for h in history] == ["review: approve", "review: deny", "review: don't know"]


def test_a_missing_consent_names_the_permission_and_the_arm_reviews_still_show(cli: Cli) -> None:
    signed_in(cli)
    cli.sim.control("POST", "settings", {"withheldScopes": ["AccessReview.Read.All"]})
    out = cli("reviews", "list", "--json")
    assert out.returncode == 4, out.stderr
    report = json.loads(out.stdout)
    assert [f["api"] for f in report["failures"]] == ["graph"]
    assert "AccessReview.Read.All" in report["failures"][0]["error"]["message"]
    assert [i["api"] for i in report["reviews"]] == ["arm"]
    table = cli("reviews", "list")
    assert table.returncode == 4 and "AccessReview.Read.All" in table.stderr, table.stderr


def test_the_mcp_tool_lists_reviews_read_only(cli: Cli, desktop: DesktopSession) -> None:
    signed_in(cli)
    proc = subprocess.Popen([cli.binary, "mcp"], env={**desktop.env, **cli.env}, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        mcp = Mcp(proc)
        mcp.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                   "clientInfo": {"name": "elevate-test", "version": "1"}})
        mcp.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools = {t["name"]: t for t in mcp.request("tools/list")["tools"]}
        assert tools["list_access_reviews"]["annotations"]["readOnlyHint"] is True
        assert not any("review" in name and name != "list_access_reviews" for name in tools), "no deciding over MCP"
        err, text = mcp.call("list_access_reviews")
        assert not err, text
        report = json.loads(text)
        assert len(report["reviews"]) == 5 and report["failures"] == []
    finally:
        proc.kill()
        proc.wait(timeout=10)

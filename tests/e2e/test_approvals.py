"""Approving from the desktop on the demo tenant: another user's request arrives, the tray
tells it once with Approve and Deny, Approve from the notification decides it in the
tenant and the "To approve" section empties; a request whose policy wants the approver's
words opens the popup on it, justification field focused, and is decided there."""

from __future__ import annotations

import re
import shutil
import time

from elevate_harness import DesktopSession
from elevate_harness.fixtures import ARTIFACTS, ROOT
from elevate_harness.session import images_differ, wait_until

from test_demo import open_popup_with_webdriver
from test_reminders import control

ICONS = ROOT / "icons" / "tray"
LEE = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
SOC = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"


def demo_base(desktop: DesktopSession) -> str:
    """The demo tenant's address, from the app's log (under WebDriver the app is the
    driver's child and writes into the driver's log)."""
    def found() -> str | None:
        for proc in desktop._processes:
            m = re.search(r"demo tenant at (http://127\.0\.0\.1:\d+)", proc.output())
            if m:
                return m.group(1)
        return None
    return wait_until(found, 30, "the demo tenant's address")


def lee_active(base: str) -> bool:
    return any(a["principalId"] == LEE for a in control(base, "GET", "activations"))


def test_a_request_from_another_user_is_told_once_and_approved_from_the_notification(
        desktop: DesktopSession, app_bin: str) -> None:
    desktop.start_app(app_bin, "--demo")
    desktop.tray.wait_registered(timeout=60)
    base = demo_base(desktop)
    wait_until(lambda: any(l.startswith("Demo tenant:") for l in desktop.tray.menu().labels()), 60, "the demo sign-in")
    assert not lee_active(base)
    made = control(base, "POST", "requests", {"user": "lee@contoso.example", "plane": "entra",
                                               "role": "Conditional Access Administrator",
                                               "justification": "CA policy change CHG-7", "duration": "PT2H"})
    desktop.tray.click("Refresh")  # looks at the approvals at once too
    note = desktop.notifications.wait_for(lambda n: n.summary.startswith("To approve: Lee Gu"), timeout=60)
    assert "Conditional Access Administrator" in note.summary
    assert "CA policy change CHG-7" in note.body and "left to decide" in note.body, note.body
    assert {"approve", "deny"} <= set(note.actions), note.actions
    wait_until(lambda: images_differ(desktop.tray.icon_file(), ICONS / "approve.png") == 0, 20, "the to-approve icon")
    assert "To approve (1)" in desktop.tray.menu().labels()

    desktop.notifications.invoke_action(note, "approve")
    done = desktop.notifications.wait_for(lambda n: n.summary.startswith("Lee Gu ·"), timeout=60)
    assert "approved" in done.body, done.body
    assert lee_active(base), "approved in the tenant: Lee's access started"
    assert control(base, "GET", "approvals") == [], "nothing waits any more"
    wait_until(lambda: not any(l.startswith("To approve") for l in desktop.tray.menu().labels()), 20, "the section to empty")
    desktop.tray.click("Refresh")
    time.sleep(3)
    told = [n for n in desktop.notifications.received if n.summary.startswith("To approve:")]
    assert len(told) == 1, [n.summary for n in told]
    assert made["id"]


def test_a_request_needing_my_words_opens_the_popup_on_it(desktop: DesktopSession, app_bin: str) -> None:
    driver = open_popup_with_webdriver(desktop, app_bin, "--demo")
    try:
        driver.wait_for("#app[data-ready='true']", timeout=60)
        base = demo_base(desktop)
        made = control(base, "POST", "requests", {"user": "lee@contoso.example", "plane": "group", "group": SOC,
                                                   "access": "owner", "justification": "incident 42 triage"})
        key = f"group:{made['id'].lower()}"
        desktop.tray.click("Refresh")
        note = desktop.notifications.wait_for(lambda n: n.summary.startswith("To approve: Lee Gu"), timeout=60)
        assert "approve" not in note.actions, "the policy wants the approver's words: no one-click Approve"
        assert "justification" in note.body
        desktop.notifications.invoke_action(note, "open")
        field = f'[data-testid="approval-justification-{key}"]'
        driver.wait_for(field, timeout=30)
        wait_until(lambda: driver.execute("return document.activeElement && document.activeElement.matches(arguments[0])", field),
                   20, "the justification field to have the focus")
        approve = driver.find(f'[data-testid="approve-{key}"]')
        assert driver.attribute(approve, "disabled") is not None, "disabled until the approver writes why"
        driver.send_keys(driver.find(field), "on call tonight, ticket INC-42")
        time.sleep(0.5)
        shot = desktop.window_screenshot("Elevate (demo)", desktop.artifacts / "popup-approvals.png")
        shutil.copy(shot, ARTIFACTS / "popup-approvals.png")
        driver.click(approve)
        result = driver.wait_for(f'[data-testid="approval-result-{key}"]', timeout=30)
        wait_until(lambda: "approved" in driver.text(result).lower(), 20, "the result next to the request")
        assert lee_active(base)

        # The History view: the decision, from this machine and from the tenant's audit log.
        driver.click(driver.find('[data-testid="history-button"]'))
        chain = driver.wait_for('[data-testid="history-chain"]', timeout=30)
        wait_until(lambda: "verified" in driver.text(chain), 20, "the chain state")
        wait_until(lambda: driver.execute(
            "return [...document.querySelectorAll('[data-testid=history-event][data-source=local]')]"
            ".some(e => e.textContent.includes('SOC Analysts'))"), 20, "the local decision in the history")
        assert driver.execute("return document.querySelectorAll('[data-testid=history-event][data-source=tenant]').length") > 0
        time.sleep(0.5)
        shot = desktop.window_screenshot("Elevate (demo)", desktop.artifacts / "popup-history.png")
        shutil.copy(shot, ARTIFACTS / "popup-history.png")
    finally:
        driver.quit()

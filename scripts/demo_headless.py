#!/usr/bin/env python3
"""Runs the demo under a headless desktop (the test harness) and saves what a person would
see: the tray menu and a screenshot of the popup, in target/demo/."""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "harness"))

from elevate_harness import DesktopSession  # noqa: E402
from elevate_harness.session import wait_until  # noqa: E402


def main(app_bin: str) -> int:
    out = ROOT / "target" / "demo"
    with DesktopSession(out) as desktop:
        app = desktop.start_app(app_bin, "--demo", "--open")
        desktop.tray.wait_registered(timeout=60)
        # The demo tenant connects behind the tray: wait for its account in the menu.
        wait_until(lambda: any(l.startswith("Demo tenant:") for l in desktop.tray.menu().labels()), 30, "the demo tenant")
        print("tray menu:", " | ".join(desktop.tray.menu().labels()))
        # The demo's popup says it is the demo in its title.
        wait_until(lambda: desktop.window_viewable("Elevate (demo)"), 30, "the popup")
        time.sleep(1.5)  # let the page paint
        shot = desktop.screenshot("demo")
        print(f"screenshot: {shot}")
        if not app.alive():
            print(app.output())
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

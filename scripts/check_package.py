"""`make package`'s check: the .deb declares its runtime dependencies, installs, and the
installed binary starts under a headless desktop and shows its tray item. Installs with
dpkg when root (or passwordless sudo) and removes it afterwards; otherwise it unpacks the
package and starts the unpacked binary, and says so.

Usage: check_package.py DEB"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "harness"))
from elevate_harness import DesktopSession  # noqa: E402


def run(argv: list[str]) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def main() -> int:
    deb = Path(sys.argv[1])
    fields = run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Depends"])
    print(fields.strip())
    depends = fields.split("Depends:", 1)[1] if "Depends:" in fields else ""
    names = [d.strip().split(" ")[0] for d in depends.strip().split(",") if d.strip()]
    for need in ("libwebkit2gtk-4.1-0", "libayatana-appindicator3-1"):
        if need not in names:
            print(f"package check: Depends lacks {need}", file=sys.stderr)
            return 1
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        print(f"package check: Depends lists {', '.join(twice)} more than once", file=sys.stderr)
        return 1
    files = run(["dpkg-deb", "-c", str(deb)])
    if " usr/bin/elevate" not in files.replace("./", "") or ".desktop" not in files:
        print("package check: the package lacks usr/bin/elevate or its .desktop entry", file=sys.stderr)
        return 1
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0 else None)
    unpacked = None
    if sudo is not None:
        run([*sudo, "dpkg", "-i", str(deb)])
        binary = "/usr/bin/elevate"
        print("installed with dpkg")
    else:
        unpacked = Path(tempfile.mkdtemp(prefix="elevate-deb-"))
        run(["dpkg-deb", "-x", str(deb), str(unpacked)])
        binary = str(unpacked / "usr/bin/elevate")
        print("not root and no passwordless sudo: unpacked instead of installed")
    try:
        with DesktopSession(Path(tempfile.mkdtemp(prefix="elevate-pkg-"))) as desktop:
            desktop.start_app(binary, "--demo")
            desktop.tray.wait_registered(timeout=60)
            tooltip = desktop.tray.properties().get("ToolTip")
            print(f"the installed Elevate is in the tray (tooltip {tooltip!r})")
    finally:
        if sudo is not None:
            subprocess.run([*sudo, "dpkg", "-r", "elevate"], capture_output=True)
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

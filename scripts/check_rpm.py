"""`make package`'s .rpm check, on a machine without the rpm tool: the header (read with
`rpm_header`) names the package and version, requires the webview, GTK and the tray library
each once, and carries /usr/bin/elevate and its .desktop entry. Where `rpm` is installed,
`rpm -qip` must read it too.

Usage: check_rpm.py RPM"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rpm_header  # noqa: E402

NEEDS = ("libwebkit2gtk-4.1", "libgtk-3", "libayatana-appindicator3")


def main() -> int:
    path = Path(sys.argv[1])
    h = rpm_header.read(path)
    requires = [r for r in h.get("requires", []) if not r.startswith("rpmlib(")]  # type: ignore[union-attr]
    print(f"{h['name']} {h['version']}-{h['release']}: requires {', '.join(requires)}")
    problems = []
    if h["name"] != "elevate":
        problems.append(f"package name {h['name']!r}, expected 'elevate'")
    for need in NEEDS:
        if not any(r.startswith(need) for r in requires):
            problems.append(f"Requires lacks {need}")
    twice = sorted({r for r in requires if requires.count(r) > 1})
    if twice:
        problems.append(f"Requires lists {', '.join(twice)} more than once")
    files = h["files"]
    if "/usr/bin/elevate" not in files or not any(f.endswith(".desktop") for f in files):  # type: ignore[union-attr]
        problems.append("the package lacks /usr/bin/elevate or its .desktop entry")
    if shutil.which("rpm"):
        out = subprocess.run(["rpm", "-qip", str(path)], capture_output=True, text=True)
        if out.returncode != 0:
            problems.append(f"rpm -qip failed: {out.stderr.strip()}")
        else:
            print(out.stdout.strip())
    else:
        print("rpm is not installed here: the header was read from the file format instead of rpm -qip")
    for p in problems:
        print(f"package check: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The app's figures for `make bench`, under a headless desktop (the test harness): start to
tray ready, total RSS (the app and its WebKit processes) with the popup closed and open, and
the popup with 2,000 assignments: webview start to list painted (cold), a key press to its
frame, the JS heap where the webview tells it, and open to shown when kept warm. Merges them
with the core figures into one results file and prints a table.

Usage: bench_app.py APP_BIN CORE_JSON RESULTS_JSON"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "harness"))
from elevate_harness import DesktopSession  # noqa: E402
from elevate_harness.session import wait_until  # noqa: E402

import bench_compare  # noqa: E402  (beside this file)

TITLE = "Elevate (demo)"


def tree_rss_mib(pid: int) -> float:
    """RSS of `pid` and every descendant (WebKit's web and network processes), in MiB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def figure(name: str, value: float | None, unit: str, goal: float | None, lower: bool = True) -> dict:
    """One figure; `value` None when it cannot be measured here (the unit says why)."""
    return {"name": name, "value": None if value is None else round(value, 1), "unit": unit, "goal": goal, "lower_is_better": lower}


KEY_PAINTED = "elevate:key-painted"  # the popup marks it in the animation frame after a key's render


def key_to_paint_ms(driver, presses: int = 20) -> list[float]:
    """ArrowDown `presses` times (plus one to warm up), each timed inside the page: from just
    before the keydown is dispatched to the popup's `elevate:key-painted` mark, so WebDriver's
    round trips are not counted. One press at a time: the next waits for the previous mark."""
    times: list[float] = []
    for i in range(presses + 1):
        driver.execute(
            "performance.clearMarks(arguments[0]);"
            "window.__elevateKeyAt = performance.now();"
            "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true, cancelable: true}));"
            "return true;",
            KEY_PAINTED,
        )
        # A list, so that a (theoretical) 0 ms is still a truthy answer for wait_until.
        took = wait_until(lambda: driver.execute(
            "const m = performance.getEntriesByName(arguments[0]);"
            "return m.length ? [m[m.length - 1].startTime - window.__elevateKeyAt] : null;",
            KEY_PAINTED,
        ), 10, "the key press to be painted", interval=0.01)
        if i > 0:
            times.append(float(took[0]))
    return times


HEAP_UNAVAILABLE = ("MiB: unavailable in WebKitGTK (performance.memory is Chromium-only and non-standard; WebKit "
                    "removed its MemoryInfo in 2.2 and has no measureUserAgentSpecificMemory), so not measured; "
                    "app_rss_popup_open_mib is the whole footprint")


def js_heap_mib(driver) -> float | None:
    """performance.memory.usedJSHeapSize in MiB, or None where the webview does not expose it."""
    used = driver.execute(
        "const m = performance.memory;"
        "return m && typeof m.usedJSHeapSize === 'number' ? m.usedJSHeapSize : null;"
    )
    return None if used is None else float(used) / (1024 * 1024)


def seed(desktop: DesktopSession, warm: bool) -> None:
    d = desktop.home / ".local/share/elevate/demo"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.toml").write_text(f"keep_popup_warm = {'true' if warm else 'false'}\n")


def app_figures(app_bin: str) -> list[dict]:
    out: list[dict] = []
    env = {"ELEVATE_DEMO_SCENARIO": "large"}
    art = Path(tempfile.mkdtemp(prefix="elevate-bench-"))
    # Start to tray ready, and RSS closed/open (no WebDriver attached).
    with DesktopSession(art / "rss") as desktop:
        seed(desktop, warm=False)
        t0 = time.monotonic()
        app = desktop.start_app(app_bin, "--demo", env=env)
        desktop.tray.wait_registered(timeout=60)
        out.append(figure("app_start_to_tray_ms", (time.monotonic() - t0) * 1000, "ms", 300))
        wait_until(lambda: any("left" in l or "Nothing active" in l for l in desktop.tray.menu().labels()), 60, "the first refresh")
        time.sleep(3)
        out.append(figure("app_rss_popup_closed_mib", tree_rss_mib(app.pid), "MiB", 80))
        desktop.tray.click("Open Elevate…")
        wait_until(lambda: desktop.window_viewable(TITLE), 30, "the popup")
        time.sleep(3)
        out.append(figure("app_rss_popup_open_mib", tree_rss_mib(app.pid), "MiB", None))
    # Popup cold: webview start to 2,000 assignments painted (the page's own mark).
    with DesktopSession(art / "cold") as desktop:
        seed(desktop, warm=False)
        desktop.env.update(env)  # WebKitWebDriver starts the app with the session's environment
        driver = desktop.start_webdriver()
        err: list[Exception] = []

        def create() -> None:
            try:
                driver.new_session(app_bin, ["--demo"], timeout=120)
            except Exception as e:  # reported below
                err.append(e)

        t = threading.Thread(target=create, daemon=True)
        t.start()
        desktop.tray.wait_registered(timeout=60)
        # The app has been up a while when someone opens the popup: its first refresh is done.
        wait_until(lambda: any("left" in l or "Nothing active" in l for l in desktop.tray.menu().labels()), 60, "the first refresh")
        desktop.tray.click("Open Elevate…")
        t.join(120)
        if err:
            raise err[0]
        wait_until(lambda: driver.execute("return document.getElementById('app').dataset.ready") == "true", 60, "the list")
        count = driver.execute("return document.getElementById('app').dataset.count")
        rows = driver.execute("return document.querySelectorAll('li.item').length")
        mark = driver.execute("return performance.getEntriesByName('elevate-ready')[0].startTime")
        out.append(figure("popup_cold_list_painted_ms", float(mark),
                          f"ms (page start to list painted; {count} assignments, {rows} rows in the DOM)", 300))
        # A key press with 2,000 assignments: keydown to the frame showing it (median).
        try:
            times = key_to_paint_ms(driver, presses=20)
            p90 = statistics.quantiles(times, n=10)[-1]
            out.append(figure("popup_key_to_paint_ms", statistics.median(times),
                              f"ms (ArrowDown, {count} assignments, keydown to the next animation frame, median of "
                              f"{len(times)}; p90 {p90:.1f} ms, max {max(times):.1f} ms)", 16))
        except Exception as e:  # reported; the other figures are kept
            print(f"bench: popup_key_to_paint_ms failed: {e}", file=sys.stderr)
        try:
            heap = js_heap_mib(driver)
            out.append(figure("popup_js_heap_mib", heap,
                              HEAP_UNAVAILABLE if heap is None else
                              f"MiB (performance.memory.usedJSHeapSize; {count} assignments, after the key presses)", None))
        except Exception as e:
            print(f"bench: popup_js_heap_mib failed: {e}", file=sys.stderr)
        driver.quit()
    # Popup warm: kept hidden, click to shown.
    with DesktopSession(art / "warm") as desktop:
        seed(desktop, warm=True)
        desktop.start_app(app_bin, "--demo", env=env)
        desktop.tray.wait_registered(timeout=60)
        time.sleep(5)  # the hidden popup loads its list meanwhile
        # The first open of the hidden, already painted popup (Esc hides it again, but a
        # headless X server without a window manager does not always pass the key on).
        t0 = time.monotonic()
        desktop.tray.click("Open Elevate…")
        wait_until(lambda: desktop.window_viewable(TITLE), 10, "the popup", interval=0.002)
        out.append(figure("popup_warm_open_ms", (time.monotonic() - t0) * 1000, "ms (menu click to shown)", 50))
    return out


def main() -> int:
    app_bin, core_json, results_json = sys.argv[1:4]
    figures = json.loads(Path(core_json).read_text()) if Path(core_json).exists() else []
    try:
        figures += app_figures(app_bin)
    except Exception as e:  # a benchmark reports; the figures so far are kept
        print(f"bench: the app figures failed: {e}", file=sys.stderr)
    print(bench_compare.write(Path(results_json), figures))
    print(f"written to {results_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`'s comparison with the previous run: each figure beside its goal and the
change since the last results file (kept as results.previous.json), better or worse by the
figure's own direction. Small noise is called flat, not a change."""

from __future__ import annotations

import json
from pathlib import Path

# Changes within this fraction of the previous value are noise on a shared 2-core machine.
NOISE = 0.05


def load(path: Path) -> list[dict]:
    """The figures of a results file; none when it is missing or unreadable (said, not fatal)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        print(f"bench: the previous results ({path}) could not be read: {e}; no comparison")
        return []
    return [f for f in data if isinstance(f, dict) and "name" in f] if isinstance(data, list) else []


def change(previous: dict | None, current: dict) -> str:
    """`+12.3% worse`, `-8.0% better`, `flat`, `new`, or `` when either value is missing."""
    if previous is None:
        return "new"
    before, now = previous.get("value"), current.get("value")
    if before is None or now is None:
        return ""
    if before == 0:
        return "flat" if now == 0 else "was 0"
    delta = (now - before) / abs(before)
    if abs(delta) < NOISE:
        return "flat"
    better = (delta < 0) == bool(current.get("lower_is_better", True))
    return f"{delta * 100:+.1f}% {'better' if better else 'worse'}"


def met(f: dict) -> str:
    if f.get("goal") is None or f.get("value") is None:
        return ""
    ok = f["value"] <= f["goal"] if f.get("lower_is_better", True) else f["value"] >= f["goal"]
    return "ok" if ok else "MISSED"


def table(current: list[dict], previous: list[dict]) -> str:
    """The figures, each with its goal, whether it is met and its change since the last run."""
    before = {f["name"]: f for f in previous}
    lines = [f"{'figure':44} {'value':>10}  {'goal':>8}  {'met':6}  {'since last run':16} unit"]
    for f in current:
        goal = "" if f.get("goal") is None else f"{'≤' if f.get('lower_is_better', True) else '≥'}{f['goal']:g}"
        value = "n/a" if f.get("value") is None else f"{f['value']:g}"
        since = change(before.get(f["name"]), f) if previous else ""
        lines.append(f"{f['name']:44} {value:>10}  {goal:>8}  {met(f):6}  {since:16} {f.get('unit', '')}")
    gone = [n for n in before if n not in {f["name"] for f in current}]
    if gone:
        lines.append(f"not measured this time: {', '.join(gone)}")
    return "\n".join(lines)


def write(results: Path, figures: list[dict]) -> str:
    """Keeps the last results as results.previous.json, writes the new ones, returns the table."""
    previous = load(results)
    if previous:
        results.with_name("results.previous.json").write_text(json.dumps(previous, indent=2) + "\n")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(figures, indent=2) + "\n")
    return table(figures, previous)

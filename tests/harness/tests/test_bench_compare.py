"""`make bench`'s comparison with the previous results file (scripts/bench_compare.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import bench_compare  # noqa: E402


def fig(name: str, value: float | None, goal: float | None = None, lower: bool = True) -> dict:
    return {"name": name, "value": value, "unit": "ms", "goal": goal, "lower_is_better": lower}


def test_changes_follow_each_figures_direction_and_ignore_noise() -> None:
    assert bench_compare.change(fig("a", 100), fig("a", 80)) == "-20.0% better"
    assert bench_compare.change(fig("a", 100), fig("a", 130)) == "+30.0% worse"
    assert bench_compare.change(fig("r", 10, lower=False), fig("r", 20, lower=False)) == "+100.0% better"
    assert bench_compare.change(fig("a", 100), fig("a", 103)) == "flat"
    assert bench_compare.change(None, fig("a", 1)) == "new"
    assert bench_compare.change(fig("a", None), fig("a", 1)) == ""
    assert bench_compare.change(fig("a", 0), fig("a", 0)) == "flat"


def test_a_second_run_keeps_the_first_and_prints_the_change(tmp_path: Path) -> None:
    results = tmp_path / "bench" / "results.json"
    first = bench_compare.write(results, [fig("refresh_ms", 200, goal=150), fig("gone", 1)])
    assert "since last run" in first and "MISSED" in first and "better" not in first
    second = bench_compare.write(results, [fig("refresh_ms", 120, goal=150), fig("new_one", 5)])
    assert json.loads((results.parent / "results.previous.json").read_text())[0]["value"] == 200
    row = next(line for line in second.splitlines() if line.startswith("refresh_ms"))
    assert "ok" in row and "-40.0% better" in row
    assert "new" in next(line for line in second.splitlines() if line.startswith("new_one"))
    assert "not measured this time: gone" in second
    assert json.loads(results.read_text())[0]["value"] == 120


def test_an_unreadable_previous_file_means_no_comparison(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text("{not json")
    out = bench_compare.write(results, [fig("x", 1)])
    assert "x" in out and "%" not in out

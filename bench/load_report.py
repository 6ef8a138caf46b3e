"""Print locust's CSV statistics as the load report (used by bench/run_load.sh).

    python bench/load_report.py mixed  THINK_stats.csv NOTHINK_stats.csv
    python bench/load_report.py isolated DIR   (DIR/<page>_stats.csv, one run per page)

Mixed runs: p50/p95/p99 (ms), requests/s and failures per page, and the goal check
(p95 under 150 ms for trainee pages, 300 ms for instructor pages, with think time).
Isolated runs: the requests/s of each page alone at the same concurrency, and its ratio
to the one-query baseline (/healthz) measured in the same series (goal: >= 20 %).
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

TRAINEE = {"catalog", "course page", "trainee dashboard", "lesson", "quiz page", "quiz start", "quiz submit",
           "lab sessions", "booking", "booking (final, confirmed)", "my bookings", "booking cancel", "verification (public)"}


def rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["Name"] not in ("login",)]


def goal(name: str) -> float | None:
    if name in TRAINEE:
        return 150.0
    if name.startswith(("instructor", "cohort", "session", "attendance")):
        return 300.0
    return None


def mixed(label: str, path: Path, check_goal: bool) -> None:
    print(f"\n== {label} ({path.name}) ==")
    print(f"{'page':<34} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>7}  goal")
    for r in rows(path):
        name = r["Name"]
        p95 = float(r["95%"] or 0)
        g = goal(name) if name != "Aggregated" else None
        verdict = "" if not (check_goal and g) else ("ok" if p95 < g else f"MISSES p95<{g:.0f}")
        print(f"{name:<34} {r['Request Count']:>6} {r['Failure Count']:>5} {r['50%']:>6} {r['95%']:>6} "
              f"{r['99%']:>6} {float(r['Requests/s']):>7.1f}  {verdict}")


def isolated(folder: Path, users: str) -> None:
    results = {}
    for path in sorted(folder.glob("*_stats.csv")):
        page = path.name[: -len("_stats.csv")]
        agg = next((r for r in rows(path) if r["Name"] == "Aggregated"), None)
        if agg is None:
            continue
        results[page] = agg
    base = float(results.get("healthz", {}).get("Requests/s", 0) or 0)
    print(f"\n== each page alone, {users} users, no think time (requests/s vs the one-query baseline) ==")
    print(f"{'page':<22} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>7} {'ratio':>7}")
    for page, r in results.items():
        rps = float(r["Requests/s"])
        ratio = f"{rps / base:>6.1%}" if base else "   n/a"
        flag = "" if not base or rps / base >= 0.2 or page == "healthz" else "  < 20 %"
        print(f"{page:<22} {r['Request Count']:>6} {r['Failure Count']:>5} {r['50%']:>6} {r['95%']:>6} "
              f"{r['99%']:>6} {rps:>7.1f} {ratio}{flag}")
    print("(journeys of several requests - quiz, booking, attendance - count every request they make)")


if __name__ == "__main__":
    if sys.argv[1] == "mixed":
        mixed("mixed journeys, think time 1-3 s", Path(sys.argv[2]), True)
        mixed("mixed journeys, no think time", Path(sys.argv[3]), False)
    else:
        isolated(Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "32")

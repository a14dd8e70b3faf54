"""The budget table both benchmark scripts print: a row per measure, each with its verdict."""

from __future__ import annotations

ROWS: list[tuple[str, str, str, bool]] = []


def record(measure: str, value: str, budget: str, ok: bool) -> None:
    ROWS.append((measure, value, budget, ok))
    print(f"  {measure}: {value} (budget {budget}) {'PASS' if ok else 'FAIL'}", flush=True)


def print_table(command: str) -> int:
    """The table of every recorded row, the count of passes and failures, and how to reproduce them.
    Returns the exit status: 1 if a budget failed."""
    width = max(len(r[0]) for r in ROWS)
    print("\n" + "measure".ljust(width), "| value | budget | verdict")
    for measure, value, budget, ok in ROWS:
        print(measure.ljust(width), "|", value, "|", budget, "|", "PASS" if ok else "FAIL")
    failed = [r for r in ROWS if not r[3]]
    print(f"\n{len(ROWS) - len(failed)} passed, {len(failed)} failed. Reproduce: {command}")
    return 1 if failed else 0

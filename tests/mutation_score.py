"""The mutation score per module from mutmut's results (run by `make mutation`).

Reads `mutants/**/*.py.meta` (mutmut 3 keeps each mutant's exit code there) and the equivalent
mutants listed with their reasons in `mutation-equivalents.txt`. A mutant counts as killed when
a test failed or timed out on it; one no test reaches counts as survived; an equivalent one is
left out of the score (and listed). Exits 1 if a module that was run scores under `--min`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 24, -24, 152, 255, 36, -9, -11}
SURVIVED = {0}
NO_TESTS = {5, 33}


def equivalents(path: Path) -> dict[str, str]:
    """Mutant name → the reason it cannot change behaviour (a reason is required)."""
    found: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition("#")
        if not sep or not reason.strip():
            sys.exit(f"{path}:{number}: an equivalent mutant needs a one-line reason after '#'")
        found[name.strip()] = reason.strip()
    return found


def tally(meta: Path, equivalent: dict[str, str]) -> Counter[str]:
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    counts: Counter[str] = Counter()
    for name, code in codes.items():
        counts["mutants"] += 1
        if code is None:
            counts["not run"] += 1
        elif code in KILLED:
            counts["killed"] += 1
        elif name in equivalent:
            counts["equivalent"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
        elif code in NO_TESTS:
            counts["no tests"] += 1
        else:
            counts["other"] += 1
    return counts


def stale_equivalents(mutants: Path, equivalent: dict[str, str]) -> list[tuple[str, str]]:
    """Listed equivalents a run contradicts: killed by a test, or gone from a module that was
    mutated (editing a function renumbers its mutants, so the list must be checked again)."""
    codes: dict[str, int | None] = {}
    for meta in mutants.rglob("*.py.meta"):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    modules = {name.rsplit(".", 1)[0] for name in codes}
    stale = []
    for name in sorted(equivalent):
        if name.rsplit(".", 1)[0] not in modules:
            continue  # that module was not mutated in this checkout
        if name not in codes:
            stale.append((name, "no such mutant"))
        elif codes[name] in KILLED:
            stale.append((name, "killed"))
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    parser.add_argument("--equivalents", type=Path, default=Path("mutation-equivalents.txt"))
    parser.add_argument("--min", type=float, default=90.0, help="target score in percent")
    args = parser.parse_args()
    equivalent = equivalents(args.equivalents)
    header = ("module", "mutants", "killed", "survived", "no tests", "equivalent", "score")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    below = []
    stale = stale_equivalents(args.mutants, equivalent)
    for meta in sorted(args.mutants.rglob("*.py.meta")):
        module = str(meta.relative_to(args.mutants)).removesuffix(".meta")
        c = tally(meta, equivalent)
        judged = c["killed"] + c["survived"] + c["no tests"] + c["other"]
        if judged == 0:
            print(f"| `{module}` | {c['mutants']} | not run |  |  |  |  |")
            continue
        score = 100.0 * c["killed"] / judged
        note = f" ({c['not run']} not run)" if c["not run"] else ""
        print(
            f"| `{module}` | {c['mutants']} | {c['killed']} | {c['survived'] + c['other']} | "
            f"{c['no tests']} | {c['equivalent']} | {score:.1f} %{note} |"
        )
        if score < args.min:
            below.append(module)
    for name, why in stale:
        print(f"listed as equivalent but {why}: {name} (renumbered? re-check the list)")
    if below:
        print(f"under the {args.min:.0f} % target: {', '.join(below)}")
    return 1 if below or stale else 0


if __name__ == "__main__":
    sys.exit(main())

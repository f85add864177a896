"""Per-module mutation scores from the last ``mutmut run`` (its results in ``mutants/``).

A mutant counts as killed when a test failed (or it timed out) under it. A surviving mutant counts
as killed only when a test file names it in an ``Equivalent mutant <name>: <why>`` comment, i.e.
someone has explained why no test can tell it from the original. Mutants that no test reached
count as survivors. Exits non-zero when a module scores below ``--minimum`` percent.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = re.compile(r"Equivalent mutant ([\w.]+__mutmut_\d+):")
KILLED_CODES = {1, 3, 24, -24, 36, 37, 152, 255}  # failed, pytest error, timed out, type check
SURVIVED_CODES = {0}


def explained_equivalents() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for test_file in ROOT.glob("*/tests/**/test_*.py"):
        for name in EQUIVALENT.findall(test_file.read_text("utf-8")):
            found[name] = test_file.relative_to(ROOT)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minimum", type=float, default=90.0)
    parser.add_argument("--show-survivors", action="store_true")
    parser.add_argument("--results", type=Path, default=ROOT / "mutants", help="mutmut's mutants/")
    args = parser.parse_args()

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    equivalents = explained_equivalents()
    below = False
    for module in config["only_mutate"]:
        meta = args.results / f"{module}.meta"
        if not meta.exists():
            print(f"{module}: no results (run `make mutate` first)")
            below = True
            continue
        results = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        killed = [name for name, code in results.items() if code in KILLED_CODES]
        survived = [name for name, code in results.items() if code in SURVIVED_CODES]
        unreached = [name for name, code in results.items() if code in {5, 33}]
        unchecked = [name for name, code in results.items() if code is None]
        other = set(results) - set(killed) - set(survived) - set(unreached) - set(unchecked)
        equivalent = [name for name in survived if name in equivalents]
        score = 100 * (len(killed) + len(equivalent)) / len(results) if results else 100.0
        below |= score < args.minimum
        print(
            f"{module}: {score:.1f}% of {len(results)} mutants — killed {len(killed)}, "
            f"explained equivalent {len(equivalent)}, survived {len(survived) - len(equivalent)}, "
            f"reached by no test {len(unreached)}, not checked {len(unchecked)}, "
            f"other {len(other)}"
        )
        checked = len(results) - len(unchecked)
        if unchecked and checked:
            # After a run limited with MUTANTS: the score of the mutants that were run.
            run_score = 100 * (len(killed) + len(equivalent)) / checked
            print(f"    {run_score:.1f}% of the {checked} run")
        if args.show_survivors:
            for name in sorted(set(survived) - set(equivalent)) + sorted(unreached):
                print(f"    {name}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m tests.ai.eval [--misses] [--by-kind]`: print the offline assist's evaluation.

`--misses` lists the dev set's misses only: the holdout, fresh and blind sets are scored,
never read. `--by-kind` adds right/total per hand label on every set, counts only.
"""

from __future__ import annotations

import sys

from tests.ai.eval.evaluate import render, render_by_kind, run

print(render(run(), misses="--misses" in sys.argv[1:]))
if "--by-kind" in sys.argv[1:]:
    print()
    print(render_by_kind())

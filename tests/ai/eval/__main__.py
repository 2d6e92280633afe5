"""`python -m tests.ai.eval [--misses]`: print the offline assist's evaluation table.

`--misses` lists the dev set's misses only: the holdout sets are scored, never read.
"""

from __future__ import annotations

import sys

from tests.ai.eval.evaluate import render, run

print(render(run(), misses="--misses" in sys.argv[1:]))

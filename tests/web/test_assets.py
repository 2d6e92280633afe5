"""The committed static files: built from frontend/ exactly, and nothing loaded from a CDN.

The built CSS and vendored JS live in the package so a Python-only install works; when npm
is available this rebuilds them into a temporary folder and fails if the committed copies
are stale (run `make assets` and commit the result).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "sprintsync" / "web" / "static"
TEMPLATES = ROOT / "sprintsync" / "web" / "templates"
OUTSIDE_URL = re.compile(r"""(?:src|href|action)=["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")


def _built_files() -> list[str]:
    vendored = json.loads((FRONTEND / "vendor.json").read_text())
    return ["css/app.css", *vendored.values()]


def test_committed_assets_exist() -> None:
    for name in [*_built_files(), "js/app.js", "js/theme.js", "favicon.svg"]:
        assert (STATIC / name).is_file(), f"missing static/{name}; run `make assets`"


def test_htmx_is_pinned_to_major_2() -> None:
    package = json.loads((FRONTEND / "package.json").read_text())
    assert package["devDependencies"]["htmx.org"].startswith("^2.")
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/htmx.org"]["version"].startswith("2.")
    assert "version:'2." in (STATIC / "vendor/htmx.min.js").read_text().replace('"', "'")


def test_pages_and_scripts_load_nothing_from_elsewhere() -> None:
    sources = [*TEMPLATES.rglob("*.html"), *(STATIC / "js").glob("*.js"), STATIC / "css/app.css"]
    for path in sources:
        text = path.read_text()
        assert not OUTSIDE_URL.search(text), f"{path.name} refers to another site"
        assert "<script>" not in text, f"{path.name} has inline code"
        assert " style=" not in text, f"{path.name} has inline code"


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_committed_assets_match_a_fresh_build(tmp_path: Path) -> None:
    # npm records what it installed in node_modules/.package-lock.json: install again when
    # that is missing or older than the lock file (a dependency was added since).
    installed = FRONTEND / "node_modules" / ".package-lock.json"
    lock = FRONTEND / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True, timeout=300
        )
    subprocess.run(
        ["node", "build.mjs", "--out", str(tmp_path)],
        cwd=FRONTEND,
        check=True,
        timeout=120,
        capture_output=True,
    )
    stale = [
        name
        for name in _built_files()
        if (tmp_path / name).read_bytes() != (STATIC / name).read_bytes()
    ]
    assert stale == [], f"stale committed assets {stale}: run `make assets` and commit them"


def test_templates_use_only_brand_shades_the_theme_defines() -> None:
    # Tailwind writes no CSS for an undefined shade, silently: `dark:bg-brand-950/30` once left
    # the AI draft box light grey behind white text in dark mode.
    theme = (FRONTEND / "src" / "app.css").read_text()
    defined = set(re.findall(r"--color-brand-(\d+):", theme))
    assert {"50", "500", "700"} <= defined
    sources = [*TEMPLATES.rglob("*.html"), *(ROOT / "sprintsync").rglob("*.py")]
    used = {
        (path.relative_to(ROOT).as_posix(), shade)
        for path in sources
        for shade in re.findall(r"\bbrand-(\d+)\b", path.read_text(encoding="utf-8"))
    }
    assert not {(path, shade) for path, shade in used if shade not in defined}

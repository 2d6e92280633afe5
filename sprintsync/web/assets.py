"""Static files under content-hashed names, cached by browsers for a year.

`static_url("css/app.css")` is `/static/css/app.3f9c0e1a2b.css`: the name changes whenever
the content does, so a browser may keep each name forever and never revalidate it. The
server maps the name back to the file; a name whose hash is not the current one (a page
from before a deploy) still gets the current file, but only briefly cached.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
# Unhashed names (favicon.svg asked for by a browser on its own) and stale hashes.
SHORT = "public, max-age=300"
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")


@lru_cache(maxsize=128)
def content_hash(path: str) -> str | None:
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:HASH_LENGTH]
    except OSError:
        return None


def static_url(path: str) -> str:
    """The URL of a static file under its content-hashed name."""
    digest = content_hash(path)
    if digest is None:
        return f"/static/{path}"
    stem, dot, ext = path.rpartition(".")
    if not dot or "/" in ext:
        return f"/static/{path}.{digest}"
    return f"/static/{stem}.{digest}.{ext}"


def split_hashed(path: str) -> tuple[str, str | None]:
    """`css/app.<hash>.css` -> (`css/app.css`, hash); other names -> (name, None)."""
    match = _HASHED.match(path)
    if match is None:
        return path, None
    return match["stem"] + match["ext"], match["hash"]


class HashedStaticFiles(StaticFiles):
    """StaticFiles that understands content-hashed names and sets the cache headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        real, digest = split_hashed(path)
        if digest is not None and not (STATIC_DIR / real).is_file():
            real, digest = path, None  # a file whose own name only looks hashed
        response = await super().get_response(real, scope)
        if response.status_code in (200, 304):
            current = digest is not None and digest == content_hash(real)
            response.headers["cache-control"] = IMMUTABLE if current else SHORT
        return response

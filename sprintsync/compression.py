"""Response compression (brotli or gzip, by the client's Accept-Encoding), as pure ASGI.

Only text-like bodies of at least `minimum_size` bytes are compressed; images, fonts and
bodies some handler already encoded pass through untouched. A whole body (the usual page
or JSON answer) is compressed in one call with a Content-Length; a streamed body (static
files come in 64 KiB chunks) is compressed chunk by chunk without one. Event streams are
never compressed: a compressor would hold events back until its buffer fills.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/problem+json",
    "image/svg+xml",
)
# Brotli quality 4 compresses HTML about as well as gzip level 6 at a similar speed;
# the higher levels cost several milliseconds per page for a few percent.
BROTLI_QUALITY = 4
GZIP_LEVEL = 6


class _Encoder(Protocol):
    def compress(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Gzip:
    def __init__(self) -> None:
        self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: gzip container

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def finish(self) -> bytes:
        return self._z.flush()


class _Brotli:
    def __init__(self) -> None:
        self._b = brotli.Compressor(quality=BROTLI_QUALITY)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._b.process(data))

    def finish(self) -> bytes:
        return bytes(self._b.finish())


def choose_encoding(accept_encoding: str) -> str | None:
    """'br' when the client accepts it, else 'gzip', else None (q=0 means refused)."""
    accepted: set[str] = set()
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=")
        if quality and params.strip().startswith("q="):
            try:
                if float(quality) <= 0:
                    continue
            except ValueError:
                continue
        accepted.add(name.strip())
    if "br" in accepted:
        return "br"
    if "gzip" in accepted or "*" in accepted:
        return "gzip"
    return None


def _compressible(headers: Headers) -> bool:
    if "content-encoding" in headers:
        return False
    content_type = headers.get("content-type", "").lower()
    return content_type.startswith(COMPRESSIBLE_TYPES) and not content_type.startswith(
        "text/event-stream"
    )


class CompressionMiddleware:
    """Compress responses of `minimum_size` bytes or more with brotli or gzip."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = choose_encoding(Headers(scope=scope).get("accept-encoding", ""))
        if encoding is None or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _CompressingSend(send, encoding, self.minimum_size))


class _CompressingSend:
    """The `send` of one response: holds the start message until the first body decides."""

    def __init__(self, send: Send, encoding: str, minimum_size: int) -> None:
        self.send = send
        self.encoding = encoding
        self.minimum_size = minimum_size
        self.start: Message | None = None
        self.encoder: _Encoder | None = None
        self.passthrough = False

    async def __call__(self, message: Message) -> None:
        if self.passthrough:
            await self.send(message)
            return
        if message["type"] == "http.response.start":
            headers = Headers(raw=message.get("headers", []))
            if not _compressible(headers) or message["status"] in (204, 304):
                self.passthrough = True
                await self.send(message)
                return
            self.start = message
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        if self.encoder is None:
            await self._first_body(message)
            return
        body = self.encoder.compress(message.get("body", b""))
        more = message.get("more_body", False)
        if not more:
            body += self.encoder.finish()
        await self.send({"type": "http.response.body", "body": body, "more_body": more})

    async def _first_body(self, message: Message) -> None:
        assert self.start is not None
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        headers = MutableHeaders(raw=self.start.setdefault("headers", []))
        declared = headers.get("content-length")
        size = int(declared) if declared and declared.isdigit() else len(body)
        if size < self.minimum_size:
            self.passthrough = True
            await self.send(self.start)
            await self.send(message)
            return
        self.encoder = _Brotli() if self.encoding == "br" else _Gzip()
        headers["content-encoding"] = self.encoding
        headers.add_vary_header("Accept-Encoding")
        etag = headers.get("etag")
        if etag and not etag.startswith("W/"):
            # The encoded bytes differ from the identity ones a strong tag names.
            headers["etag"] = f"W/{etag}"
        compressed = self.encoder.compress(body)
        if more:
            del headers["content-length"]
        else:
            compressed += self.encoder.finish()
            headers["content-length"] = str(len(compressed))
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": compressed, "more_body": more})

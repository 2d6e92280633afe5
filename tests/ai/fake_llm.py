"""A local stand-in for the Gemini and OpenAI HTTP APIs, for the real SDKs to talk to.

Both SDKs build their own HTTP clients, so mocking a client library would not reach
them; a real server on a free port does. Tests script its replies in order (status,
content, delay) and read back every request it received.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import math
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Reply:
    status: int = 200
    content: str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    finish: str | None = None
    refusal: str | None = None
    error_message: str | None = None  # the error body's message, for a non-200 status


@dataclass
class Received:
    api: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


_STATUS_NAMES = {400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}


class FakeLLM:
    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        # Embedding calls answer with `fake_embedding` vectors unless a reply is scripted here.
        self._embed_replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.requests: list[Received] = []
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- scripting -----------------------------------------------------------------------

    def reply(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def reply_json(self, payload: BaseModel | dict[str, Any], **kwargs: Any) -> None:
        data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        self.reply(Reply(content=orjson.dumps(data).decode(), **kwargs))

    def reply_embeddings(self, *replies: Reply) -> None:
        """Script the next embedding calls (a failure, a delay); unscripted ones succeed."""
        with self._lock:
            self._embed_replies.extend(replies)

    def reset(self) -> None:
        # Let any request still held by a `delay` finish now, then start clean.
        self._released.set()
        with self._lock:
            self._replies.clear()
            self._embed_replies.clear()
            self.requests.clear()
        self._released = threading.Event()

    def calls(self, api: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if api is None or r.api == api]

    # --- the HTTP side -------------------------------------------------------------------

    async def _handle(self, request: Request, api: str) -> Response:
        body = orjson.loads(await request.body())
        with self._lock:
            self.requests.append(Received(api, request.url.path, dict(request.headers), body))
            reply = self._replies.popleft() if self._replies else Reply(status=599)
        released = self._released
        waited = 0.0
        while waited < reply.delay and not released.is_set():
            await asyncio.sleep(0.02)
            waited += 0.02
        if reply.status == 599:
            return JSONResponse({"error": {"message": "no scripted reply"}}, 500)
        if reply.status != 200:
            body = _error(api, reply.status, reply.error_message)
            return JSONResponse(body, reply.status, headers=reply.headers)
        shape = _gemini if api == "gemini" else _openai
        return JSONResponse(shape(reply, body), headers=reply.headers)

    async def _embed(self, request: Request, api: str) -> Response:
        body = orjson.loads(await request.body())
        with self._lock:
            self.requests.append(Received(api, request.url.path, dict(request.headers), body))
            reply = self._embed_replies.popleft() if self._embed_replies else Reply()
        released = self._released
        waited = 0.0
        while waited < reply.delay and not released.is_set():
            await asyncio.sleep(0.02)
            waited += 0.02
        kind = api.removesuffix("-embed")
        if reply.status != 200:
            return JSONResponse(_error(kind, reply.status, reply.error_message), reply.status)
        if kind == "gemini":
            texts = [_gemini_text(r["content"]) for r in body["requests"]]
            return JSONResponse({"embeddings": [{"values": fake_embedding(t)} for t in texts]})
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(fake_embedding(t), as_base64)}
            for i, t in enumerate(texts)
        ]
        usage = {"prompt_tokens": 8 * len(texts), "total_tokens": 8 * len(texts)}
        return JSONResponse(
            {"object": "list", "data": data, "model": body.get("model"), "usage": usage}
        )

    async def _gemini_embed_route(self, request: Request) -> Response:
        return await self._embed(request, "gemini-embed")

    async def _openai_embed_route(self, request: Request) -> Response:
        return await self._embed(request, "openai-embed")

    async def _gemini_route(self, request: Request) -> Response:
        return await self._handle(request, "gemini")

    async def _openai_route(self, request: Request) -> Response:
        return await self._handle(request, "openai")

    def start(self) -> None:
        app = Starlette(
            routes=[
                Route(
                    "/v1beta/models/{model}:generateContent",
                    self._gemini_route,
                    methods=["POST"],
                ),
                Route("/v1/chat/completions", self._openai_route, methods=["POST"]),
                Route(
                    "/v1beta/models/{model}:batchEmbedContents",
                    self._gemini_embed_route,
                    methods=["POST"],
                ),
                Route("/v1/embeddings", self._openai_embed_route, methods=["POST"]),
            ]
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._released.set()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)


def _error(api: str, status: int, message: str | None = None) -> dict[str, Any]:
    message = message or f"scripted failure {status}"
    if api == "gemini":
        name = _STATUS_NAMES.get(status, "UNKNOWN")
        return {"error": {"code": status, "message": message, "status": name}}
    return {"error": {"message": message, "type": "server_error", "code": str(status)}}


def _gemini(reply: Reply, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": reply.content or ""}]},
                "finishReason": reply.finish or "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 120,
            "candidatesTokenCount": 45,
            "totalTokenCount": 165,
        },
        "modelVersion": "fake",
    }


def _openai(reply: Reply, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None if reply.refusal else reply.content,
                    "refusal": reply.refusal,
                },
                "finish_reason": reply.finish or "stop",
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 45, "total_tokens": 165},
    }


# --- embeddings --------------------------------------------------------------------------

EMBEDDING_DIMENSIONS = 64
_WORD = re.compile(r"[a-z0-9]+")
_COMMON = frozenset(
    {"a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "at", "by", "with"}
    | {"from", "is", "are", "be", "it", "when", "after"}
)


def fake_embedding(text: str) -> list[float]:
    """A deterministic unit vector: each content word (its first five letters, a crude stem)
    hashed into one of 64 dimensions. Texts sharing words point the same way, as a real
    model's would for texts on one subject."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in _WORD.findall(text.lower()):
        if word in _COMMON or len(word) < 2:
            continue
        digest = hashlib.blake2b(word[:5].encode(), digest_size=4).digest()
        vector[int.from_bytes(digest, "big") % EMBEDDING_DIMENSIONS] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _encode(vector: list[float], as_base64: bool) -> list[float] | str:
    if not as_base64:
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _gemini_text(content: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in content.get("parts", []))

"""A local stand-in for the Gemini and OpenAI HTTP APIs, for the real SDKs to talk to.

Both SDKs build their own HTTP clients, so mocking a client library would not reach
them; a real server on a free port does. Tests script its replies in order (status,
content, delay) and read back every request it received.
"""

from __future__ import annotations

import asyncio
import socket
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

    def reset(self) -> None:
        # Let any request still held by a `delay` finish now, then start clean.
        self._released.set()
        with self._lock:
            self._replies.clear()
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

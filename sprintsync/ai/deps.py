"""The app's AI assistant as a dependency, for the JSON routes and the pages alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sprintsync.ai.embeddings import Embeddings
from sprintsync.ai.service import Assistant


def get_assistant(request: Request) -> Assistant:
    return request.app.state.ai


AssistantDep = Annotated[Assistant, Depends(get_assistant)]


def get_embeddings(request: Request) -> Embeddings:
    return request.app.state.embeddings


EmbeddingsDep = Annotated[Embeddings, Depends(get_embeddings)]

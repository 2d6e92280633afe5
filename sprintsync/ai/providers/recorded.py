"""Record a network provider's answers to files, and replay them in tests.

`record` passes each prompt to the real provider and writes its validated answer to one
JSON file per prompt (named by the mode and a hash of the prompt's text and schema);
`replay` answers from those files alone and never touches the network, so a change to
the prompts shows up as missing recordings and the new answers can be reviewed as a diff
of the files. The files hold the prompt text too, which is what a reviewer reads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from sprintsync.ai.providers.base import Generation, Prompt, Provider, ProviderRejected, T


def recording_path(directory: Path, prompt: Prompt, schema: type[T]) -> Path:
    digest = hashlib.sha256(
        "\0".join((schema.__name__, prompt.system, prompt.user)).encode()
    ).hexdigest()[:16]
    return directory / f"{prompt.mode}-{digest}.json"


class RecordedProvider:
    def __init__(self, inner: Provider, directory: Path, mode: Literal["record", "replay"]) -> None:
        self.inner = inner
        self.directory = directory
        self.mode = mode
        self.name = inner.name
        self.model = inner.model

    async def generate(self, prompt: Prompt, schema: type[T]) -> Generation[T]:
        path = recording_path(self.directory, prompt, schema)
        if self.mode == "replay":
            if not path.exists():
                raise ProviderRejected(f"no recording {path.name} for this prompt")
            data = json.loads(path.read_text(encoding="utf-8"))
            return Generation(
                output=schema.model_validate(data["output"]),
                provider=data["provider"],
                model=data["model"],
            )
        generation = await self.inner.generate(prompt, schema)
        record = {
            "mode": prompt.mode,
            "schema": schema.__name__,
            "provider": generation.provider,
            "model": generation.model,
            "system": prompt.system,
            "user": prompt.user,
            "output": generation.output.model_dump(mode="json"),
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return generation

    async def aclose(self) -> None:
        await self.inner.aclose()

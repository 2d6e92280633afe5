"""The baseline: a bare FastAPI endpoint, served the same way as SprintSync."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root() -> dict[str, bool]:
    return {"ok": True}

"""newsrag's HTTP API (FastAPI): an OpenAI-compatible chat endpoint over an archive, and
endpoints to ask, ingest and list articles. The schema is served at ``/openapi.json``.

- ``POST /v1/chat/completions``: OpenAI's request and reply shapes; ``stream: true`` sends
  server-sent events. The last user message is the question, earlier turns are its history.
  Citations travel in an extra ``citations`` field of the reply (and of the last streamed
  chunk), as `Citation.to_dict` objects; ``model``, ``temperature`` and other sampling fields
  are accepted and ignored (answers are greedy, with the archive's model). A stream's second
  chunk, before any text, has an empty delta and an extra ``reading`` field: the passages the
  model is given (`rag.Reading`), as citation objects whose ``quote`` is each passage's
  sentence closest to the question; the final ``citations`` are those the answer cites.
- ``POST /v1/ask``: FORMATS.md's answer object for a question, with optional filters.
- ``POST /v1/ingest``: FORMATS.md article records in a JSON body; the ingest report back.
- ``GET /v1/articles``: the archive's articles (copies included), newest first, paged.

One answer is generated at a time. A bearer token, when set, is required on every ``/v1``
route; request bodies over ``max_body`` bytes are refused with 413. Uploading files and
fetching URLs are left to the browser app and the CLI.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any, Iterator, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from rag import Answer, Archive, NewsragError, Reading

from .config import day, day_filters

MAX_BODY = 10 * 2**20


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=20_000)


class ChatRequest(BaseModel):
    model: str | None = None
    messages: list[Message] = Field(min_length=1, max_length=50)
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2_000)
    top_k: int | None = Field(None, ge=1, le=20)
    since: str | None = Field(None, description="YYYY-MM-DD: only articles published on or after this day")
    until: str | None = Field(None, description="YYYY-MM-DD: only articles published on or before this day")
    sources: list[str] = Field(default_factory=list, max_length=50, description="only these outlets")
    language: str | None = Field(None, max_length=8, description="only articles in this language (ISO 639-1)")
    as_of: str | None = Field(None, description="YYYY-MM-DD: the day relative dates in the question count from")


class ArticleIn(BaseModel):
    id: str | None = Field(None, max_length=500)
    title: str = Field("", max_length=2_000)
    text: str = Field(min_length=1, max_length=2_000_000)
    source: str = Field("", max_length=500)
    url: str = Field("", max_length=4_000)
    published_at: str | None = Field(None, max_length=64)
    language: str | None = Field(None, max_length=8)


class Error(BaseModel):
    detail: str


ERRORS = {400: {"model": Error, "description": "a request the archive cannot act on"},
          401: {"model": Error, "description": "missing or wrong bearer token"},
          413: {"model": Error, "description": "request body too large"}}


class IngestRequest(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1, max_length=10_000)


def create_app(archive: Archive, token: str | None = None, max_body: int = MAX_BODY) -> FastAPI:
    """The API over ``archive``; ``token`` requires ``Authorization: Bearer TOKEN``."""
    app = FastAPI(title="newsrag", version="1", description="Questions about a news archive, answered with citations.")
    bearer = HTTPBearer(auto_error=False)

    def authorized(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if token and (credentials is None or credentials.credentials != token):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > max_body):
            return JSONResponse({"detail": f"request body over {max_body} bytes"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(NewsragError)
    async def newsrag_error(request: Request, exc: NewsragError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    def answer(question: str, history: list[dict], **options) -> Iterator[Reading | str | Answer]:
        return archive.stream(question, history=history, **options)  # one at a time, across API and browser

    @app.post("/v1/chat/completions", dependencies=[Depends(authorized)], responses=ERRORS, summary="OpenAI-compatible chat over the archive")
    def chat_completions(req: ChatRequest):
        turns = [m.model_dump() for m in req.messages if m.role != "system"]
        if not turns or turns[-1]["role"] != "user":
            raise HTTPException(400, "the last message must be the user's question")
        question, history = turns[-1]["content"], turns[:-1]
        if not question.strip():
            raise HTTPException(400, "the question is empty")
        cid, created, model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), req.model or "newsrag"
        if not req.stream:
            final = next(item for item in answer(question, history) if isinstance(item, Answer))
            return {
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": final.text}, "finish_reason": "stop"}],
                **extras(final),
            }

        def events() -> Iterator[str]:
            def chunk(delta: dict, finish: str | None = None, **more) -> str:
                body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **more}
                return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

            yield chunk({"role": "assistant"})
            for item in answer(question, history):
                if isinstance(item, Answer):
                    yield chunk({}, "stop", **extras(item))
                elif isinstance(item, Reading):
                    yield chunk({}, reading=[c.to_dict() for c in item.passages])
                else:
                    yield chunk({"content": item})
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/v1/ask", dependencies=[Depends(authorized)], responses=ERRORS, summary="Answer a question with citations (FORMATS.md)")
    def ask(req: AskRequest) -> dict[str, Any]:
        try:
            filters = day_filters(_day(req.since), _day(req.until), req.sources, req.language)
            as_of = _day(req.as_of)
        except ValueError as e:
            raise HTTPException(400, f"bad date: {e}; use YYYY-MM-DD") from e
        final = next(item for item in answer(req.question, [], top_k=req.top_k, filters=filters, as_of=as_of)
                     if isinstance(item, Answer))
        return final.to_dict()

    @app.post("/v1/ingest", dependencies=[Depends(authorized)], responses=ERRORS, summary="Add articles (FORMATS.md records)")
    def ingest(req: IngestRequest) -> dict[str, Any]:
        folder = archive.path / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"api-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("".join(json.dumps(a.model_dump(exclude_none=True), ensure_ascii=False) + "\n"
                                for a in req.articles), encoding="utf-8")
        return archive.ingest([path]).to_dict()  # one ingest at a time, across API and browser

    @app.get("/v1/articles", dependencies=[Depends(authorized)], responses=ERRORS, summary="The archive's articles, newest first")
    def articles(limit: int = 50, offset: int = 0, source: str | None = None) -> dict[str, Any]:
        if not 1 <= limit <= 1000 or offset < 0:
            raise HTTPException(400, "limit must be 1 to 1000 and offset at least 0")
        listed = archive.articles(source)
        return {"total": len(listed), "articles": listed[offset: offset + limit]}

    return app


def extras(answer: Answer) -> dict[str, Any]:
    """The fields newsrag adds to OpenAI's reply: citations, abstention, unsupported sentences."""
    data = answer.to_dict()
    return {"citations": data["citations"], "abstained": data["abstained"], "unsupported": data.get("unsupported", [])}


def _day(text: str | None) -> datetime | None:
    return day(text) if text else None


def serve(archive: Archive, host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> None:
    """Load the models, then serve the API until interrupted."""
    import uvicorn

    archive.warm()
    print(f"newsrag API on http://{host}:{port}/v1 (schema: /openapi.json)", flush=True)
    uvicorn.run(create_app(archive, token=token), host=host, port=port, log_level="warning")

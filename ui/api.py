"""newsrag's HTTP API (FastAPI): an OpenAI-compatible chat endpoint over an archive, and
endpoints to ask, ingest and list articles and stories. The schema is served at ``/openapi.json``.

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
- ``GET /v1/stories``: the archive's stories (`rag.Story` objects), newest first, paged;
  ``GET /v1/stories/{id}``: one story's articles, oldest first.

One answer is generated at a time. A bearer token, or the browser app's user name and
password (HTTP Basic) when the API is served beside it, is required on every ``/v1`` route when
set; tokens and passwords are compared in constant time. ``/v1`` request bodies over
``max_body`` bytes are refused with 413, counted as they arrive (a chunked body too). A chat
keeps the last `HISTORY_TURNS` earlier messages; longer messages or questions are refused with
422. With ``allowed_hosts``, other Host headers get 400. Uploading files and fetching URLs are
left to the browser app and the CLI.
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any, Iterator, Literal, Sequence

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from pydantic import BaseModel, Field, model_validator
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message as ASGIMessage, Receive, Scope, Send

from rag import Answer, Archive, NewsragError, Reading

from .config import HISTORY_TURNS, day, day_filters

MAX_BODY = 10 * 2**20
MAX_QUESTION_CHARS = 2_000
MAX_TURN_CHARS = 8_000  # an earlier question or answer (answers are at most a few thousand characters)
MAX_MESSAGES = 100  # a whole conversation as a chat client sends it; only the last HISTORY_TURNS are read
API_PREFIX = "/v1"


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)


class ChatRequest(BaseModel):
    model: str | None = None
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None

    @model_validator(mode="after")
    def short_question(self) -> ChatRequest:
        last = self.messages[-1]
        if last.role == "user" and len(last.content) > MAX_QUESTION_CHARS:
            raise ValueError(f"the question (the last message) has {len(last.content)} characters; "
                             f"ask in at most {MAX_QUESTION_CHARS}")
        return self


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int | None = Field(None, ge=1, le=20)
    since: str | None = Field(None, description="YYYY-MM-DD: only articles published on or after this day")
    until: str | None = Field(None, description="YYYY-MM-DD: only articles published on or before this day")
    sources: list[str] = Field(default_factory=list, max_length=50, description="only these outlets")
    language: str | None = Field(None, max_length=8, description="only articles in this language (ISO 639-1)")
    as_of: str | None = Field(None, description="YYYY-MM-DD: answer from what was published by the end of this day, which relative dates count from")


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
STORY_404 = {"model": Error, "description": "no story with this id"}


class IngestRequest(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1, max_length=10_000)


class BodyLimit:
    """ASGI middleware: a request under ``prefix`` whose body (declared or as it streams in) is
    over ``max_body`` bytes gets 413 before the app reads any of it. Bodies are read whole first,
    so it suits JSON routes, not uploads."""

    def __init__(self, app: ASGIApp, max_body: int, prefix: str = API_PREFIX):
        self.app, self.max_body, self.prefix = app, max_body, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_body:
            return await self.refuse(scope, receive, send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return await self.refuse(scope, receive, send)
        replayed = False

        async def replay() -> ASGIMessage:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": f"request body over {self.max_body} bytes; send less"}, status_code=413,
                                headers={"Connection": "close"})
        await response(scope, receive, send)


def same(given: str, expected: str) -> bool:
    """Whether two secrets are equal, in time that does not depend on where they differ."""
    return hmac.compare_digest(given.encode(), expected.encode())


def create_app(archive: Archive, token: str | None = None, max_body: int = MAX_BODY, auth: tuple[str, str] | None = None,
               allowed_hosts: Sequence[str] | None = None) -> FastAPI:
    """The API over ``archive``. ``token`` requires ``Authorization: Bearer TOKEN``, ``auth`` (user,
    password) accepts HTTP Basic with them; either one will do when both are set. ``allowed_hosts``
    (None: any) are the Host header names answered."""
    app = FastAPI(title="newsrag", version="1", description="Questions about a news archive, answered with citations.")
    bearer = HTTPBearer(auto_error=False)
    basic = HTTPBasic(auto_error=False) if auth else (lambda: None)  # a stray Basic header is no error without ``auth``
    schemes = ", ".join(s for s, on in (("Bearer", token), ('Basic realm="newsrag"', auth)) if on)

    def authorized(bearer_given: HTTPAuthorizationCredentials | None = Depends(bearer),
                   basic_given: HTTPBasicCredentials | None = Depends(basic)) -> None:
        if not token and not auth:
            return
        if token and bearer_given is not None and same(bearer_given.credentials, token):
            return
        if auth and basic_given is not None and same(basic_given.username, auth[0]) & same(basic_given.password, auth[1]):
            return
        wanted = " or ".join(w for w, on in (("bearer token", token), ("user name and password", auth)) if on)
        raise HTTPException(401, f"missing or wrong {wanted}", headers={"WWW-Authenticate": schemes})

    app.add_middleware(BodyLimit, max_body=max_body)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

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
        question, history = turns[-1]["content"], turns[:-1][-HISTORY_TURNS:]
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

    @app.get("/v1/stories", dependencies=[Depends(authorized)], responses=ERRORS,
             summary="The archive's stories (articles about one thing, across outlets and languages), newest first")
    def stories(limit: int = 50, offset: int = 0, min_articles: int = 2) -> dict[str, Any]:
        if not 1 <= limit <= 1000 or offset < 0 or min_articles < 1:
            raise HTTPException(400, "limit must be 1 to 1000, offset at least 0 and min_articles at least 1")
        listed = archive.stories(min_articles)
        return {"total": len(listed), "stories": [asdict(s) for s in listed[offset: offset + limit]]}

    @app.get("/v1/stories/{story_id}", dependencies=[Depends(authorized)], responses={**ERRORS, 404: STORY_404},
             summary="A story's articles, oldest first")
    def story(story_id: int) -> dict[str, Any]:
        articles = archive.story(story_id)
        if not articles:
            raise HTTPException(404, f"no story {story_id}; GET /v1/stories lists them")
        return {"id": story_id, "articles": articles}

    return app


def extras(answer: Answer) -> dict[str, Any]:
    """The fields newsrag adds to OpenAI's reply: citations, abstention, unsupported sentences, disputed figures,
    later articles (an answer "as of" a day)."""
    data = answer.to_dict()
    return {"citations": data["citations"], "abstained": data["abstained"], "unsupported": data.get("unsupported", []),
            **{key: data[key] for key in ("disagreements", "corrections", "later") if key in data}}


def _day(text: str | None) -> datetime | None:
    return day(text) if text else None


def serve(archive: Archive, host: str = "127.0.0.1", port: int = 8000, token: str | None = None,
          allowed_hosts: Sequence[str] | None = None) -> None:
    """Load the models, then serve the API until interrupted (on whatever address it is given:
    `ui.network` decides whether it may)."""
    import uvicorn

    archive.warm()
    print(f"newsrag API on http://{host}:{port}/v1 (schema: /openapi.json)", flush=True)
    uvicorn.run(create_app(archive, token=token, allowed_hosts=allowed_hosts), host=host, port=port, log_level="warning")

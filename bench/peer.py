"""newsrag against LlamaIndex's standard query engine: same model, same chunks, same questions.

    python -m bench.peer [--model default] [--limit 20] [--archive DIR] [--json FILE]

Both answer the first ``--limit`` questions of the bundled sample question set over the sample
archive (built in a temporary folder unless ``--archive`` names one):

- ``newsrag``: `Archive.stream` with its defaults;
- ``llamaindex``: ``VectorStoreIndex(...).as_query_engine(similarity_top_k=4, streaming=True)``
  over the archive's own chunks and embeddings (title, outlet and date shown to the model as
  metadata), with the same embedder for questions and the same llama.cpp model, whose chat
  template wraps LlamaIndex's prompt as one user message.

Each system answers all questions in one block (so llama.cpp's reuse of a shared prompt start
works for both). Reported: time to first token and total time (median, p95), and accuracy on
the answerable questions (the gold answer appears in the reply, as in the eval runner).
Unanswerable questions are counted as declined when newsrag abstains, or when LlamaIndex's reply
says the context has no answer (English and Spanish phrasings; a rough reading).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.ask import build_sample, load_questions, pct
from bench.common import llamaindex_embedding

DECLINED = re.compile(
    r"(does not|doesn't|do not|don't) (provide|contain|mention|include|say|specify|state)|no information|not (mentioned|provided|"
    r"specified|stated)|cannot (answer|be determined)|(no|not) (enough|sufficient) information|no (se )?(menciona|proporciona|"
    r"especifica|indica)|no hay información|no contiene",
    re.IGNORECASE,
)


def llamaindex_engine(archive, llama, top_k: int = 4):
    """A LlamaIndex query engine over ``archive``'s chunks, answering with the llama.cpp model ``llama``."""
    from typing import Any

    from llama_index.core import VectorStoreIndex
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback
    from llama_index.core.schema import TextNode
    from pydantic import PrivateAttr

    class LlamaCpp(CustomLLM):
        _llama: Any = PrivateAttr()

        def __init__(self, llama):
            super().__init__()
            self._llama = llama

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=4096, num_output=512, model_name="llama.cpp")

        def _chunks(self, prompt: str):
            return self._llama.create_chat_completion(
                messages=[{"role": "user", "content": prompt}], stream=True, temperature=0.0, top_k=1, max_tokens=512, seed=0,
            )

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
            return CompletionResponse(text="".join(c["choices"][0]["delta"].get("content") or "" for c in self._chunks(prompt)))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
            def gen():
                text = ""
                for c in self._chunks(prompt):
                    delta = c["choices"][0]["delta"].get("content")
                    if delta:
                        text += delta
                        yield CompletionResponse(text=text, delta=delta)

            return gen()

    nodes = [
        TextNode(
            id_=chunk.id, text=chunk.text, embedding=list(map(float, vector)),
            metadata={"title": chunk.source.title, "source": chunk.source.outlet,
                      "published_at": chunk.source.published_at.isoformat() if chunk.source.published_at else ""},
        )
        for chunks, vectors in archive.store.chunks() for chunk, vector in zip(chunks, vectors, strict=True)
    ]
    index = VectorStoreIndex(nodes, embed_model=llamaindex_embedding(archive.embedder))
    return index.as_query_engine(llm=LlamaCpp(llama), similarity_top_k=top_k, streaming=True)


def run(model: str, archive_dir: Path, limit: int) -> list[dict]:
    from eval import metrics
    from rag import Answer, Archive, LlamaCppLLM, models

    llm = LlamaCppLLM(models.resolve(model, models.default_models_dir()))
    archive = Archive.open(archive_dir, llm=llm, create=False)
    engine = llamaindex_engine(archive, llm._llm)
    archive.search("warm-up")
    list(llm.stream([{"role": "user", "content": "Say OK."}], max_tokens=2))
    questions = load_questions(limit)
    rows = []
    for system in ("llamaindex", "newsrag"):
        for q in questions:
            start = time.perf_counter()
            first = None
            if system == "newsrag":
                as_of = datetime.fromisoformat(q["as_of"]) if q.get("as_of") else None
                for item in archive.stream(q["question"], as_of=as_of):
                    if isinstance(item, str):
                        first = first or time.perf_counter()
                    elif isinstance(item, Answer):
                        text, declined = item.text, item.abstained
            else:
                response = engine.query(q["question"])
                text = ""
                for piece in response.response_gen:
                    first = first or time.perf_counter()
                    text += piece
                declined = bool(DECLINED.search(text))
            end = time.perf_counter()
            answers = q.get("answers") or []
            rows.append({
                "system": system, "id": q["id"], "answerable": bool(answers), "answer": text, "declined": declined,
                "correct": (not declined and metrics.contains_answer(text, answers)) if answers else declined,
                "ttft_s": (first or end) - start, "total_s": end - start,
            })
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| system | questions | TTFT s p50 / p95 | total s p50 / p95 | accuracy (answerable) | declined (unanswerable) |",
        "|---|---|---|---|---|---|",
    ]
    for system in ("newsrag", "llamaindex"):
        mine = [r for r in rows if r["system"] == system]
        ttft, total = [r["ttft_s"] for r in mine], [r["total_s"] for r in mine]
        ans = [r for r in mine if r["answerable"]]
        una = [r for r in mine if not r["answerable"]]
        lines.append(
            f"| {system} | {len(mine)} | {statistics.median(ttft):.1f} / {pct(ttft, .95):.1f} "
            f"| {statistics.median(total):.1f} / {pct(total, .95):.1f} "
            f"| {sum(r['correct'] for r in ans)}/{len(ans)} | {sum(r['declined'] for r in una)}/{len(una)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.splitlines()[0])
    p.add_argument("--model", default="default")
    p.add_argument("--limit", type=int, default=20, help="first N questions of the sample set")
    p.add_argument("--archive", type=Path, help="a sample archive already built (default: build one)")
    p.add_argument("--json", type=Path, help="also write the answers to this file")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-peer-") as tmp:
        rows = run(args.model, args.archive or build_sample(Path(tmp) / "archive"), args.limit)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()

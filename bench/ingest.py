"""Ingestion benchmark: newsrag against the raw embedder and LlamaIndex's standard pipeline.

    python -m bench.ingest [--data ../shared/data] [--sets multihop-rag-dev xquad-dev] [--limit N] [--repeat 1]

Each variant runs in its own subprocess (so peak RSS is its own), on the same articles with
the same embedder (multilingual-e5-small) and the same 160-token chunks:

- ``raw``: the embedder alone on newsrag's chunk texts (loading and chunking not timed);
- ``newsrag``: `Archive.ingest` into a new archive (load, clean, de-duplicate, chunk, embed, store);
- ``reingest``: the same ingest again on the archive ``newsrag`` built (nothing changed);
- ``llamaindex``: `VectorStoreIndex.from_documents` into a `ChromaVectorStore`.

Prints one JSON line per run and a Markdown table of medians; ``--json FILE`` saves them.
Wall time and the process's CPU time are both recorded: on a shared machine the CPU time is
the steadier of the two, since waiting for another job's use of the cores does not count.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import llamaindex_embedding, run_child

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("raw", "newsrag", "reingest", "llamaindex")


def articles_file(data: Path, name: str, limit: int | None, work: Path) -> Path:
    """The set's articles.jsonl, cut to ``limit`` lines in ``work``."""
    source = data / name / "articles.jsonl"
    if not source.is_file():
        raise SystemExit(f"bench: {source} not found; pass --data DIR holding {name}/articles.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines()[: limit or None]
    out = work / f"{name}.jsonl"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def run_variant(variant: str, source: Path, archive: Path) -> dict:
    """Run in the child process: do the work, return timings."""
    from index.chunk import Chunker, embedding_text
    from index.embed import E5Embedder
    from index.load import load
    from index.types import Article

    embedder = E5Embedder()
    embedder.embed_documents(["warm-up"])
    # one-time process costs (imports, the sentence tokenizer's data check) are paid before timing
    long_text = " ".join(f"Sentence {i} of a long warm-up text, with words enough to be split." for i in range(200))
    Chunker().split(Article("warm-up", long_text))
    import chromadb  # noqa: F401
    if variant == "raw":
        chunker = Chunker()
        chunks = [c for a in load([source]) if not hasattr(a, "reason") for c in chunker.split(a)]
        texts = [embedding_text(c) for c in chunks]
        start, cpu = time.perf_counter(), cpu_seconds()
        for i in range(0, len(texts), 64):
            embedder.embed_documents(texts[i : i + 64])
        return {"seconds": time.perf_counter() - start, "cpu_start": cpu, "cpu_end": cpu_seconds(), "chunks": len(texts)}
    if variant in ("newsrag", "reingest"):
        from rag import Archive

        a = Archive.open(archive, embedder=embedder, llm=None)
        import index.clean, index.dedup, datasketch  # noqa: F401,E401
        start, cpu = time.perf_counter(), cpu_seconds()
        report = a.ingest([source])
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "cpu_start": cpu, "cpu_end": cpu_seconds(), "chunks": report.chunks_added,
                "articles": report.added, "duplicates": report.duplicates}
    if variant == "llamaindex":
        return _llamaindex(source, archive, embedder)
    raise SystemExit(f"unknown variant {variant}")


def _llamaindex(source: Path, archive: Path, embedder) -> dict:
    import chromadb
    from chromadb.config import Settings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.chunk import approx_tokens
    from index.load import load

    warm = " ".join(f"Sentence {i} of a long warm-up text, with words enough to be split." for i in range(200))
    SentenceSplitter(chunk_size=160, chunk_overlap=24, tokenizer=approx_tokens).split_text(warm)
    docs = [
        Document(text=a.text, metadata={"title": a.title, "source": a.source}, id_=a.id)
        for a in load([source]) if not hasattr(a, "reason")
    ]
    start, cpu = time.perf_counter(), cpu_seconds()
    client = chromadb.PersistentClient(path=str(archive), settings=Settings(anonymized_telemetry=False))
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("bench"))
    splitter = SentenceSplitter(chunk_size=160, chunk_overlap=24, tokenizer=approx_tokens, paragraph_separator="\n\n")
    VectorStoreIndex.from_documents(
        docs, storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=llamaindex_embedding(embedder), transformations=[splitter],
    )
    return {"seconds": time.perf_counter() - start, "cpu_start": cpu, "cpu_end": cpu_seconds(),
            "chunks": store._collection.count(), "articles": len(docs)}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(argv: list[str]) -> None:
    variant, source, archive = argv
    result = run_variant(variant, Path(source), Path(archive))
    result["cpu_seconds"] = result.pop("cpu_end") - result.pop("cpu_start")
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(variant: str, source: Path, archive: Path) -> dict:
    return run_child("bench.ingest", variant, source, archive, label=variant)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    p = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--sets", nargs="+", default=["multihop-rag-dev", "xquad-dev"])
    p.add_argument("--limit", type=int, help="first N articles of each set")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--json", type=Path, help="also write the runs to this file")
    args = p.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-") as tmp:
        work = Path(tmp)
        for name in args.sets:
            source = articles_file(args.data, name, args.limit, work)
            for r in range(args.repeat):
                for variant in VARIANTS:
                    archive = work / f"{name}-{r}-{'newsrag' if variant == 'reingest' else variant}"
                    result = {"set": name, "variant": variant, "repeat": r, **measure(variant, source, archive)}
                    print(json.dumps(result), flush=True)
                    runs.append(result)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2) + "\n")
    print(table(runs))


def table(runs: list[dict]) -> str:
    lines = [
        "| set | variant | chunks | wall s | CPU s | chunks per CPU s | wall vs raw | CPU vs raw | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(r["set"] for r in runs):
        def median(key: str, variant: str) -> float:
            return statistics.median(r[key] for r in runs if r["set"] == name and r["variant"] == variant)

        for v in VARIANTS:
            mine = [r for r in runs if r["set"] == name and r["variant"] == v]
            chunks, wall, cpu = mine[0]["chunks"], median("seconds", v), median("cpu_seconds", v)
            rate = f"{chunks / cpu:.1f}" if chunks else "–"
            lines.append(
                f"| {name} | {v} | {chunks} | {wall:.2f} | {cpu:.2f} | {rate} | {wall / median('seconds', 'raw'):.3f} | "
                f"{cpu / median('cpu_seconds', 'raw'):.3f} | {median('peak_rss_mb', v):.0f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

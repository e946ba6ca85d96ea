"""The browser app: a chat that streams cited answers and follows up on earlier turns, with
filters (dates, outlets, language, "as of"), settings (passages, showing what was retrieved)
an archive tab (counts and their charts, stories with their coverage over time and timelines,
latest articles, keyword search, adding files or URLs) and a model
switch. Fetching URLs is the app's only network use, and happens only when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from rag import Answer, Archive, Filters, InputError, NewsragError, Reading, models

from .config import HISTORY_TURNS, day, day_filters
from .markup import escape, escape_lines, link, unescape
from .stories import counts_frame, coverage_frame, stories_markdown, story_choices, timeline_markdown

EXAMPLES = [
    "What is the planned daily capacity of the Villamar desalination plant?",
    "¿Qué empresa construirá la desaladora de Villamar?",
    "What wage increase did the Rail Workers Alliance get?",
]


# In the browser, each [n] in an answer becomes a link to source n in the sources panel.
LINK_CITATIONS = """
() => {
  const link = (node) => {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    const found = [];
    while (walker.nextNode()) {
      const t = walker.currentNode;
      if (/\\[\\d+\\]/.test(t.nodeValue) && !t.parentElement.closest("a, #sources, textarea")) found.push(t);
    }
    for (const t of found) {
      const span = document.createElement("span");
      span.innerHTML = t.nodeValue.replace(/[&<>]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"})[c])
        .replace(/\\[(\\d+)\\]/g, '<a class="citation" href="#source-$1">[$1]</a>');
      t.replaceWith(...span.childNodes);
    }
  };
  new MutationObserver(() => document.querySelectorAll(".message, .bot").forEach(link))
    .observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


QUEUE_SIZE = 20  # questions waiting for the one being answered; more are refused with "queue is full"

SEARCHING = "_Searching the archive…_"
READING = "**Reading:** _the passages the answer is being written from; its cited sources replace them when it is done._\n"
WIDENED = ("ℹ _Some passages are from outside the dates or outlets the question names: "
           "they answered it better than those inside._\n")


def sources_markdown(answer: Answer) -> str:
    """The cited passages as Markdown: number, title, outlet, date, link, the passage with the
    sentences that answer the question and those the answer quotes in bold, other outlets that ran
    the story, withdrawn sentences, figures the sources dispute or a correction changed, articles published after an "as of" day, for an abstention the closest
    passages, and a note when passages come from outside the question's filters."""
    lines = [f"⚠ _Withdrawn, its sources do not back it:_ {escape(s)}\n" for s in answer.unsupported] + ([WIDENED] if answer.widened else [])
    lines += [f"⚖ _The sources disagree:_ {escape(d.summary)}\n" for d in answer.disagreements]
    lines += [f"✎ _Corrected by a later report:_ {escape(c.summary)}\n" for c in answer.corrections]
    if answer.later:
        lines.append("_Published after the “as of” day, and about the question (not read for this answer):_\n")
        lines += [f"- {link(c.title, c.url)}" + (f" — {escape(c.about)}" if c.about else "") + "\n" for c in answer.later]
    if answer.closest:
        lines.append("_The closest passages (they do not answer the question):_\n")
        for c in answer.closest:
            lines.append(f"**[{c.n}]** {link(c.title, c.url)}" + (f" — {escape(c.about)}" if c.about else "") + f"\n> {escape(c.quote)}\n")
        return "\n".join(lines)
    if not answer.citations:
        return "\n".join(lines + ["_No sources cited._"])
    for c in answer.citations:
        passage = _bold(c.passage or c.quote, [c.quote, *c.evidence] if c.quote != c.passage else list(c.evidence))
        lines.append(f'<span id="source-{c.n}"></span>**[{c.n}]** {link(c.title, c.url)}' + (f" — {escape(c.about)}" if c.about else "")
                     + f"\n> {passage}\n")
        for alt in c.alternates:
            lines.append(f"  _also published by_ {link(alt['source'] or alt['id'], alt['url'])}"
                         + (f", {escape(alt['published_at'])}" if alt["published_at"] else "") + "\n")
    return "\n".join(lines)


def _bold(passage: str, parts: list[str]) -> str:
    """``passage`` escaped, on one line, with each of ``parts`` found in it in bold (overlapping ones merged)."""
    spans = sorted((i, i + len(p)) for p in parts if p and (i := passage.find(p)) >= 0)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = "", 0
    for start, end in merged:
        out += escape(passage[at:start]) + f"**{escape(passage[start:end].strip())}**" + (" " if passage[start:end].endswith(" ") else "")
        at = end
    return out + escape(passage[at:])


def _history(history: list) -> list[dict]:
    """Gradio's chat history as plain ``{"role", "content"}`` text messages (the answers as the
    archive gave them, before they were escaped for the page), the last `HISTORY_TURNS` of them."""
    out = []
    for turn in history or []:
        content = turn.get("content") if isinstance(turn, dict) else None
        if isinstance(content, list):  # structured content: keep its text parts
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str) and content and not content.startswith("Error: "):
            out.append({"role": turn["role"], "content": unescape(content) if turn.get("role") == "assistant" else content})
    return out[-HISTORY_TURNS:]


def parse_day(value: str | None, field: str):
    """A YYYY-MM-DD text box as a UTC datetime (None when empty)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return day(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date; write it as YYYY-MM-DD") from None


def make_filters(since: str = "", until: str = "", outlets=(), language: str = "") -> Filters | None:
    return day_filters(parse_day(since, "since"), parse_day(until, "until"), outlets or (), language)


def respond(
    archive: Archive, message: str, history: list | None = None, since: str = "", until: str = "", outlets=(),
    language: str = "", as_of: str = "", top_k: float | None = None, show_passages: bool = False,
) -> Iterator[tuple[str, str]]:
    """(answer so far, sources markdown) pairs, both escaped for the page; errors become a readable message.

    The sources panel shows the passages being read as soon as retrieval is done, while the
    answer is still empty, and the answer's cited sources once it is final."""
    text, reading = "", SEARCHING
    try:
        filters = make_filters(since, until, outlets, language)
        stream = archive.stream(message, history=_history(history), top_k=int(top_k) if top_k else None, filters=filters,
                                as_of=parse_day(as_of, "as of"))
        yield text, reading
        for item in stream:
            if isinstance(item, Answer):
                sources = sources_markdown(item)
                if show_passages:
                    sources += "\n\n" + passages_markdown(item)
                yield escape_lines(item.text), sources
                return
            if isinstance(item, Reading):
                reading = reading_markdown(item)
            else:
                text += item
            yield escape_lines(text), reading
    except NewsragError as e:
        yield f"Error: {escape(e)}", ""


def reading_markdown(reading: Reading) -> str:
    """The passages the model is reading, as Markdown: number, title, outlet, date, link and the
    sentence closest to the question. Numbered as in the prompt, so that the streamed ``[n]`` link to them."""
    lines = [READING]
    for c in reading.passages:
        lines.append(f'<span id="source-{c.n}"></span>**[{c.n}]** {link(c.title, c.url)}' + (f" — {escape(c.about)}" if c.about else "")
                     + (f"\n> {escape(c.quote)}\n" if c.quote else "\n"))
    return "\n".join(lines) if reading.passages else "_Nothing in the archive matches the question._"


def passages_markdown(answer: Answer) -> str:
    """Every retrieved passage, for checking what the model was given."""
    lines = [f"#### Retrieved passages (searched for: {escape(answer.searched or answer.question)})"]
    for hit in answer.hits:
        source = hit.chunk.source
        lines.append(f"{hit.rank}. **{escape(source.title or hit.chunk.article_id)}** — {escape(source.outlet)} "
                     f"{escape(source.day)} (score {hit.score:.4f})\n   > {escape(hit.chunk.text[:400])}")
    return "\n".join(lines)


def overview_markdown(archive: Archive) -> str:
    o = archive.overview()

    def table(title: str, counts: dict) -> str:
        return f"| {title} | articles |\n|---|---|\n" + "\n".join(f"| {escape(k)} | {v} |" for k, v in counts.items())

    recent = "\n".join(
        f"- {escape(a['published_at'] or 'undated')} · {escape(a['source'] or '?')} · {link(a['title'], a['url'])}"
        for a in o["recent"]
    )
    return (f"**{o['articles']} articles** ({o['copies']} recorded as copies of another outlet's)\n\n"
            f"{table('outlet', o['outlets'])}\n\n{table('language', o['languages'])}\n\n{table('month', o['months'])}\n\n"
            f"#### Latest\n{recent}")


@dataclass(frozen=True)
class ArchiveViews:
    """What the Archive tab draws: counts by month and outlet, coverage of the stories over time
    (pandas tables for the plots), the stories of several articles and the menu to choose one."""

    months: pd.DataFrame
    outlets: pd.DataFrame
    coverage: pd.DataFrame
    stories: str
    choices: list[tuple[str, int]]


def archive_views(archive: Archive) -> ArchiveViews:
    o = archive.overview()
    every = archive.stories()
    several = [s for s in every if s.size > 1]
    return ArchiveViews(counts_frame(o["months"], "month"), counts_frame(o["outlets"], "outlet"), coverage_frame(several),
                        stories_markdown(several, alone=sum(s.size for s in every if s.size == 1)), story_choices(several))


def add_files(archive: Archive, files: list | None, progress=None) -> str:
    """Copy uploaded files of the types newsrag reads into ``<archive>/uploads`` and ingest them;
    the report as Markdown. Other files are not kept, nor are those without one usable article
    (a file with some unusable records stays, for its usable ones)."""
    import shutil

    from index.load import SUFFIXES, load, suffix_of
    from index.types import Problem

    if not files:
        return "_Choose files to add._"
    folder = archive.path / "uploads"
    folder.mkdir(exist_ok=True)
    paths, refused = [], []
    for f in files:
        source = Path(f if isinstance(f, str) else f.name)
        if suffix_of(source) not in SUFFIXES:
            refused.append(f"\n- {escape(source.name)}: not a file type newsrag reads; add {escape(', '.join(sorted(SUFFIXES)))} files")
            continue
        problems = []
        for item in load([source]):  # read up to its first article
            if not isinstance(item, Problem):
                break
            problems.append(Problem(source.name, item.line, item.reason))
        else:
            refused += [f"\n- {escape(problem)}" for problem in problems] or [f"\n- {escape(source.name)}: no article in it"]
            if source.parent.resolve() == folder.resolve():  # fetched into the folder: not kept either
                source.unlink()
            continue
        target = folder / source.name  # only the name: an upload cannot write outside the archive
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        paths.append(target)
    if not paths:
        return "**Nothing added.**\n\nSkipped:" + "".join(refused)
    done = []

    def on_article(article):
        done.append(article)
        if progress is not None:
            progress((len(done), None), desc=f"indexed {len(done)} article(s)")

    report = archive.ingest(paths, on_article=on_article)
    errors = "".join(refused) + "".join(f"\n- {escape(p)}" for p in report.errors)
    return f"**{escape(report.summary())}**" + (f"\n\nSkipped:{errors}" if errors else "")


def search_markdown(archive: Archive, query: str, limit: int = 20) -> str:
    """Articles whose passages match ``query`` by keywords, best first (one line each)."""
    query = (query or "").strip()
    if not query:
        return ""
    seen, lines = set(), []
    for chunk in archive.keyword_search(query):
        if chunk.article_id in seen:
            continue
        seen.add(chunk.article_id)
        source = chunk.source
        lines.append(f"- {escape(source.day or 'undated')} · {escape(source.outlet or '?')} · {link(source.title or chunk.article_id, source.url)}")
        if len(lines) == limit:
            break
    return "\n".join(lines) or "_Nothing in the archive matches._"


def fetch_urls(archive: Archive, text: str, progress=None, fetcher=None) -> str:
    """Download http(s) feed or page URLs into ``<archive>/uploads`` and ingest them; each answer is
    size- and time-limited as the watcher's are (`ui.watch.fetch.HttpFetcher`), and an address that
    fails is listed with its reason while the others are ingested."""
    import hashlib
    import html

    from index.errors import FetchError

    from .watch.fetch import HttpFetcher

    folder = archive.path / "uploads"
    folder.mkdir(exist_ok=True)
    fetcher = fetcher or HttpFetcher()
    paths, failed = [], []
    for url in [u.strip() for u in (text or "").splitlines() if u.strip()]:
        try:
            got = fetcher.get(url)
        except FetchError as e:
            failed.append(str(e))
            continue
        data = got.body.decode(got.charset or "utf-8", errors="replace")
        is_feed = data.lstrip()[:200].lower().startswith(("<?xml", "<rss", "<feed")) and "<html" not in data[:500].lower()
        path = folder / f"{hashlib.sha1(url.encode()).hexdigest()[:12]}{'.xml' if is_feed else '.html'}"
        path.write_text(data if is_feed else data.replace("<head>", f'<head><link rel="canonical" href="{html.escape(got.url)}">', 1), encoding="utf-8")
        paths.append(path)
    report = add_files(archive, [str(p) for p in paths], progress) if paths else "_Nothing fetched._"
    return report + "".join(f"\n- could not fetch {escape(why)}" for why in failed)


def _model_name(archive: Archive) -> str:
    return archive.model_name or "not loaded yet (loads on the first question)"


def installed_models(models_dir: Path) -> list[str]:
    """The names of the models installed in ``models_dir``: the only ones the browser may choose."""
    return [name for name, spec in models.MODELS.items() if (models_dir / spec.filename).is_file()]


def use_model(archive: Archive, name: str) -> str:
    """Switch the answering model to an installed one (loaded now); a readable message either way.
    Files named by a path are not loaded here: those are for ``--model`` when the server starts."""
    if not name:
        return f"Current model: {escape(_model_name(archive))}"
    choices = installed_models(archive.models_dir)
    if name not in choices:
        return (f"Error: {escape(name)} is not an installed model; choose one of: {escape(', '.join(choices) or 'none')} "
                "(install others with: newsrag models install NAME)")
    try:
        return f"Current model: {escape(archive.use_model(name))}"
    except NewsragError as e:
        return f"Error: {escape(e)}"


def build_app(archive: Archive):
    """The browser app over ``archive``; Gradio's analytics (and its version check) are off.
    Everything it shows from articles goes through `ui.markup`; no LaTeX is rendered."""
    import gradio as gr

    from index.load import SUFFIXES

    with gr.Blocks(title="newsrag", analytics_enabled=False) as app:
        gr.Markdown("## newsrag\nAsk the news archive. Answers cite the passages they rest on.")
        with gr.Tab("Chat"):
            sources = gr.Markdown("_Sources appear here._", elem_id="sources", render=False, latex_delimiters=[])
            with gr.Accordion("Filters and settings", open=False):
                with gr.Row():
                    since = gr.Textbox("", label="Since (YYYY-MM-DD)", elem_id="since")
                    until = gr.Textbox("", label="Until (YYYY-MM-DD)", elem_id="until")
                    as_of = gr.Textbox("", label="As of (YYYY-MM-DD)", info="only what was published by then; 'last week' counts from it", elem_id="as-of")
                with gr.Row():
                    outlets = gr.Dropdown(archive.outlets(), value=[], multiselect=True, label="Outlets", elem_id="outlets")
                    language = gr.Dropdown(["", "en", "es", "fr", "de", "pt", "it"], value="", label="Language of the articles")
                with gr.Row():
                    top_k = gr.Slider(1, 10, value=archive.retriever.top_k, step=1, label="Passages given to the model")
                    show = gr.Checkbox(False, label="Show the retrieved passages")

            def chat(message: str, history: list, since, until, outlets, language, as_of, top_k, show):
                for text, shown in respond(archive, message, history, since, until, outlets, language, as_of, top_k, show):
                    yield text or [], shown  # no message at all (rather than an empty one) until the answer starts

            gr.ChatInterface(
                chat, chatbot=gr.Chatbot(label="Chatbot", scale=1, latex_delimiters=[]),
                additional_inputs=[since, until, outlets, language, as_of, top_k, show], additional_outputs=[sources],
                examples=[[e] for e in EXAMPLES], run_examples_on_click=False, api_name="chat", analytics_enabled=False,
            )
            gr.Markdown("### Sources")
            sources.render()
        with gr.Tab("Archive"):
            overview = gr.Markdown(overview_markdown(archive), elem_id="overview", latex_delimiters=[])
            refresh = gr.Button("Refresh")
            refresh.click(lambda: overview_markdown(archive), outputs=overview, api_name="overview")
            shown = archive_views(archive)
            with gr.Row():
                by_month = gr.BarPlot(shown.months, x="month", y="articles", title="Articles by month", elem_id="by-month",
                                      y_lim=[0, None], y_axis_format="d")
                by_outlet = gr.BarPlot(shown.outlets, x="outlet", y="articles", title="Articles by outlet", elem_id="by-outlet",
                                       x_label_angle=-30, y_lim=[0, None], y_axis_format="d")
            gr.Markdown("### Stories\nArticles about one thing, across outlets and languages, grouped by what they say and when.")
            coverage = gr.LinePlot(shown.coverage, x="day", y="articles", color="story", title="Coverage over time",
                                   x_title="day", y_title="articles so far", x_axis_format="%b %d", y_lim=[0, None],
                                   y_axis_format="d", elem_id="coverage")
            stories = gr.Markdown(shown.stories, elem_id="stories", latex_delimiters=[])
            chosen = gr.Dropdown(shown.choices, value=None, label="Story: its articles in date order", elem_id="story-choice")
            timeline = gr.Markdown(timeline_markdown(archive, None), elem_id="timeline", latex_delimiters=[])
            chosen.change(lambda story: timeline_markdown(archive, story), inputs=chosen, outputs=timeline, api_name="story")
            views = [by_month, by_outlet, coverage, stories, chosen]

            def show_views():
                now = archive_views(archive)
                return now.months, now.outlets, now.coverage, now.stories, gr.Dropdown(choices=now.choices, value=None)

            refresh.click(show_views, outputs=views, api_name="stories")
            upload = gr.File(label="Add files (JSONL, text, HTML, RSS/Atom, WARC)", file_count="multiple",
                             file_types=sorted(SUFFIXES))
            report = gr.Markdown(latex_delimiters=[])

            def add(files, progress=gr.Progress()):
                return add_files(archive, files, progress), overview_markdown(archive)

            gr.Button("Add to the archive").click(add, inputs=upload, outputs=[report, overview], api_name="add").then(
                show_views, outputs=views, api_name=False)
            with gr.Row():
                urls = gr.Textbox(label="Or feed and page URLs, one per line (fetched now: needs the network)", lines=2)
                fetch = gr.Button("Fetch and add")

            def add_urls(text, progress=gr.Progress()):
                return fetch_urls(archive, text, progress), overview_markdown(archive)

            fetch.click(add_urls, inputs=urls, outputs=[report, overview], api_name="add_urls").then(
                show_views, outputs=views, api_name=False)
            query = gr.Textbox(label="Search the archive (words in titles and passages)", elem_id="archive-search")
            found = gr.Markdown(latex_delimiters=[])
            query.submit(lambda q: search_markdown(archive, q), inputs=query, outputs=found, api_name="search")
        with gr.Tab("Settings"):
            model = gr.Dropdown(installed_models(archive.models_dir), value=None, label="Model (those installed)")
            model_status = gr.Markdown(f"Current model: {escape(_model_name(archive))}", latex_delimiters=[])
            model.change(lambda name: use_model(archive, name), inputs=model, outputs=model_status, api_name="model")
    return app


def launch(app, host: str = "127.0.0.1", port: int = 7860, queue_size: int = QUEUE_SIZE, **options):
    """Start Gradio's own server with newsrag's settings: one generation at a time with at most
    ``queue_size`` waiting, no sharing, 50 MB uploads. It checks no Host header (`serve` does)."""
    app.queue(default_concurrency_limit=1, max_size=queue_size)
    return app.launch(server_name=host, server_port=port, share=False, show_error=False, max_file_size="50mb",
                      js=LINK_CITATIONS, **options)


def serve(archive: Archive, host: str = "127.0.0.1", port: int = 7860, api: bool = False, api_token: str | None = None,
          auth: tuple[str, str] | None = None, allowed_hosts: Sequence[str] | None = None) -> None:
    """Load the model, then serve the chat until interrupted, asking for ``auth`` (a user name and
    password) when given and answering only ``allowed_hosts`` (None: any); with ``api``, the HTTP
    API of `ui.api` under ``/v1`` on the same port, which takes ``api_token`` or that password.
    It binds the address it is given: `ui.network` decides whether it may."""
    import uvicorn

    archive.warm()  # the first visitor should not wait for the model to load
    app = build_app(archive)
    print(f"newsrag chat on http://{host}:{port}", flush=True)
    if api:
        print(f"newsrag API on http://{host}:{port}/v1 (schema: /openapi.json)", flush=True)
        server = with_api(archive, app, api_token, auth=auth, allowed_hosts=allowed_hosts)
    else:
        server = alone(app, auth=auth, allowed_hosts=allowed_hosts)
    uvicorn.run(server, host=host, port=port, log_level="warning")


def with_api(archive: Archive, app, api_token: str | None = None, auth: tuple[str, str] | None = None,
             allowed_hosts: Sequence[str] | None = None, queue_size: int = QUEUE_SIZE):
    """The HTTP API of `ui.api` with the browser app mounted at ``/``, as one ASGI app; ``auth``
    guards both (the API also takes ``api_token``)."""
    from .api import create_app

    return _mounted(create_app(archive, token=api_token, auth=auth, allowed_hosts=allowed_hosts), app, auth, queue_size)


def alone(app, auth: tuple[str, str] | None = None, allowed_hosts: Sequence[str] | None = None, queue_size: int = QUEUE_SIZE):
    """The browser app alone as an ASGI app, answering only ``allowed_hosts`` (None: any)."""
    from fastapi import FastAPI
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    server = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    if allowed_hosts is not None:
        server.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    return _mounted(server, app, auth, queue_size)


def _mounted(server, app, auth: tuple[str, str] | None, queue_size: int):
    import gradio as gr

    app.queue(default_concurrency_limit=1, max_size=queue_size)
    return gr.mount_gradio_app(server, app, path="/", max_file_size="50mb", js=LINK_CITATIONS, show_error=False, auth=auth)

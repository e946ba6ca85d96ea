"""A Gradio chat that streams answers, follows up on earlier turns and lists the sources they cite.

Filters, the archive tab and settings are not handled yet.
"""

from __future__ import annotations

import os
from typing import Iterator

from index.errors import NewsragError
from rag.archive import Archive
from rag.types import Answer

EXAMPLES = [
    "What is the planned daily capacity of the Villamar desalination plant?",
    "¿Qué empresa construirá la desaladora de Villamar?",
    "What wage increase did the Rail Workers Alliance get?",
]


def sources_markdown(answer: Answer) -> str:
    """The cited passages as Markdown: number, title, outlet, date, link, the passage with the
    quoted sentences in bold, other outlets that ran the story, and unsupported sentences."""
    lines = [f"⚠ _Not supported by its sources:_ {s}\n" for s in answer.unsupported]
    if not answer.citations:
        return "\n".join(lines + ["_No sources cited._"])
    for c in answer.citations:
        title = f"[{c.title}]({c.url})" if c.url else c.title
        passage = (c.passage or c.quote).replace("\n", " ")
        quote = c.quote.replace("\n", " ")
        if quote and quote != passage and quote in passage:
            passage = passage.replace(quote, f"**{quote}**", 1)
        lines.append(f"**[{c.n}]** {title}" + (f" — {c.about}" if c.about else "") + f"\n> {passage}\n")
        for alt in c.alternates:
            link = f"[{alt['source'] or alt['id']}]({alt['url']})" if alt["url"] else (alt["source"] or alt["id"])
            lines.append(f"  _also published by_ {link}" + (f", {alt['published_at']}" if alt["published_at"] else "") + "\n")
    return "\n".join(lines)


def _history(history: list) -> list[dict]:
    """Gradio's chat history as plain ``{"role", "content"}`` text messages."""
    out = []
    for turn in history or []:
        content = turn.get("content") if isinstance(turn, dict) else None
        if isinstance(content, list):  # structured content: keep its text parts
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str) and content and not content.startswith("Error: "):
            out.append({"role": turn["role"], "content": content})
    return out[-6:]


def respond(archive: Archive, message: str, history: list | None = None) -> Iterator[tuple[str, str]]:
    """(answer so far, sources markdown) pairs; errors become a readable message."""
    text = ""
    try:
        for item in archive.stream(message, history=_history(history)):
            if isinstance(item, Answer):
                yield item.text, sources_markdown(item)
                return
            text += item
            yield text, "_Searching the archive…_"
    except NewsragError as e:
        yield f"Error: {e}", ""


def build_app(archive: Archive):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    with gr.Blocks(title="newsrag", analytics_enabled=False) as app:
        gr.Markdown("## newsrag\nAsk the news archive. Answers cite the passages they rest on.")
        sources = gr.Markdown("_Sources appear here._", elem_id="sources", render=False)

        def chat(message: str, history: list) -> Iterator[tuple[str, str]]:
            yield from respond(archive, message, history)

        gr.ChatInterface(chat, additional_outputs=[sources], examples=EXAMPLES, run_examples_on_click=False, api_name="chat")
        gr.Markdown("### Sources")
        sources.render()
    return app


def serve(archive: Archive, host: str = "127.0.0.1", port: int = 7860, **launch) -> None:
    """Load the model, then serve the chat; one answer is generated at a time."""
    archive.warm()  # the first visitor should not wait for the model to load
    app = build_app(archive)
    app.queue(default_concurrency_limit=1)
    print(f"newsrag chat on http://{host}:{port}", flush=True)
    app.launch(server_name=host, server_port=port, share=False, show_error=False, **launch)

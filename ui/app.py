"""A Gradio chat that streams answers and lists the sources they cite.

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
    """The cited passages as a Markdown list: number, title, outlet, date, link and quote."""
    if not answer.citations:
        return "_No sources cited._"
    lines = []
    for c in answer.citations:
        title = f"[{c.title}]({c.url})" if c.url else c.title
        quote = c.quote.replace("\n", " ")
        lines.append(f"**[{c.n}]** {title}" + (f" — {c.about}" if c.about else "") + f"\n> {quote}\n")
    return "\n".join(lines)


def respond(archive: Archive, message: str) -> Iterator[tuple[str, str]]:
    """(answer so far, sources markdown) pairs; errors become a readable message."""
    text = ""
    try:
        for item in archive.stream(message):
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
            yield from respond(archive, message)

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

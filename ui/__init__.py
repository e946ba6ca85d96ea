"""The browser chat (Gradio) over `rag.Archive`."""

from .app import build_app, serve

__all__ = ["build_app", "serve"]

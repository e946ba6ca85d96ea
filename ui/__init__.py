"""The browser chat (Gradio) over `rag.Archive`, the HTTP API and the ``newsrag`` command.

`build_app` and `serve` are imported from `ui.app` when first asked for, so the command line
starts without Gradio and the archive's libraries.
"""

__all__ = ["build_app", "serve"]


def __getattr__(name: str):
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

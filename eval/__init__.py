"""Evaluation against question sets (FORMATS.md): readers and importers, metrics, the runner, reports, comparison."""

from .compare import compare
from .questions import Question, read_questions
from .runner import run

__all__ = ["Question", "compare", "read_questions", "run"]

"""Evaluation against question sets (FORMATS.md); only the reader exists so far."""

from .questions import Question, read_questions

__all__ = ["Question", "read_questions"]

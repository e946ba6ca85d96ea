"""Text from articles (and from the model that read them) made safe to show as Markdown in the
browser: it reads as the characters it holds, never as HTML, images, links or layout.

`escape` is the one escaping step: HTML's characters become entities and Markdown's (those that
start emphasis, links, images, code, tables, headings or LaTeX) a backslash escape; `unescape`
reverses it. `link` makes the only links shown, to http and https addresses. Newlines are not
kept by `escape` (every piece is shown inside a line); `escape_lines` keeps them, for answers.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

LINK_SCHEMES = ("http", "https")
_MARKDOWN = r"\`*_{}[]()#+!|~$@:"  # ':' and '@' too: GFM would link a bare address (http://, mailto:)
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_SPECIAL = re.compile("[" + re.escape(_MARKDOWN + "".join(_HTML)) + "]")
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)  # GFM links a bare www.name as well
_LIST_MARK = re.compile(r"^(\s*)([-=]|\d+[.)])")  # a list item or heading underline when at the start of a line
_ESCAPED = re.compile(r"\\([" + re.escape(_MARKDOWN + "-=.)") + "])")
_BREAKS = re.compile(r"\r\n?|[\n\v\f\x1c-\x1e\x85\u2028\u2029]")  # what may end a line
_URL_SAFE = "!#$%&'*+,/:;=?@[]~-._"  # kept as they are in a link's address; others are percent-encoded


def escape(value: object) -> str:
    """``value`` as Markdown that shows exactly its characters, on one line (line breaks become spaces)."""
    return escape_lines(_BREAKS.sub(" ", str(value)))


def escape_lines(value: str) -> str:
    """Like `escape`, but each line stays a line (a leading '-', '=' or '1.' is escaped too); a
    carriage return is read as a line break."""
    out = []
    for line in _BREAKS.sub("\n", value).split("\n"):
        line = _WWW.sub(r"\1\\.", _SPECIAL.sub(lambda m: _HTML.get(m[0]) or "\\" + m[0], line))
        out.append(_LIST_MARK.sub(lambda m: m[1] + (m[2][:-1] + "\\" + m[2][-1]), line))
    return "\n".join(out)


def unescape(markdown: str) -> str:
    """The text `escape_lines` was given (its line breaks as newlines), from what it returned."""
    return html.unescape(_ESCAPED.sub(r"\1", markdown))


def href(url: str) -> str | None:
    """``url`` as a link address when it is an http or https one (percent-encoded so that it cannot
    end the link early); None for any other scheme or no host."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return None
    return quote(url, safe=_URL_SAFE)


def link(label: object, url: str) -> str:
    """``label`` linked to ``url`` when that is http or https; otherwise the label with the address as text."""
    address = href(url)
    if address:
        return f"[{escape(label)}]({address})"
    return escape(label) + (f" ({escape(url)})" if (url or "").strip() else "")

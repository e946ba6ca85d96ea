"""The one exception hierarchy of newsrag.

Every message is a single line that says what went wrong and how to fix it; the CLI and
the UI print it as it is (``NEWSRAG_DEBUG=1`` adds the traceback).
"""


class NewsragError(Exception):
    """Base class: a problem the user can fix, described in one line."""


class InputError(NewsragError):
    """A source file or record that cannot be read (names the file, line and field)."""


class ModelError(NewsragError):
    """A model that is missing, corrupt or cannot be loaded."""


class ArchiveError(NewsragError):
    """An archive folder that is missing or was built with other settings."""


class FetchError(InputError):
    """A web address that gave no usable answer (names the URL and the reason)."""

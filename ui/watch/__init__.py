"""``newsrag watch``: following feeds, sitemaps and pages on the web into an archive.

`sources` reads the list of URLs, `fetch` makes the HTTP requests (conditional, limited, paced
per host), `entries` reads what they return, `state` keeps what is known between polls, and
`poll` puts these together and ingests what is new. Apart from the browser app's "Fetch and
add", this is the only part of newsrag that uses the network, and only when it is run.
"""

from .fetch import HOST_INTERVAL_S, Fetched, HostPacer, HttpFetcher, Validators
from .poll import MAX_PAGES_PER_SOURCE, Poll, PollReport, SourceReport, every
from .sources import Sources, read_sources
from .state import WatchState, state_path

__all__ = ["HOST_INTERVAL_S", "MAX_PAGES_PER_SOURCE", "Fetched", "HostPacer", "HttpFetcher", "Poll", "PollReport",
           "SourceReport", "Sources", "Validators", "WatchState", "every", "read_sources", "state_path"]

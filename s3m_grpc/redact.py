"""Keep the token out of other libraries' DEBUG logs.

hpack (the HTTP/2 header codec under grpclib) logs every header it encodes or decodes at DEBUG,
values included: ``Adding b'authorization'=b'<token>' to the header table``, and raw header
blocks in which the token may be Huffman-coded. Anyone who turns on DEBUG logging to debug a
connection would write the token to their logs. This filter blanks the arguments of every hpack
record before any handler sees it, keeping the message's shape ("Decoding <redacted>"); it
rewrites the format string rather than the arguments, so that no record can fail to format. h2 logs
nothing unless given a logger, and grpclib never logs header values.

aiohttp's server logs a request it cannot parse with the offending header line in the exception
(``Invalid header value char: b'Authorization: <token>\x01'``), and answers with the same text:
``RedactMalformed`` strips the header lines from such records, and the emulator's REST server
answers a malformed request without echoing it.
"""

from __future__ import annotations

import logging
import re
from typing import Final

#: Loggers that print header names and values.
HEADER_LOGGERS: Final = ("hpack.hpack", "hpack.table")
REDACTED: Final = "<redacted by s3m_grpc>"


# A printf-style conversion: %s, %d, %(name)r, %-5.2f, ... and the literal %%.
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


class RedactHeaderValues(logging.Filter):
    """Replace every argument of a record by a mark, in the format string itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact, never drop, and never leave anything that could fail to format."""
        if record.args:
            record.msg = _CONVERSION.sub(lambda m: "%" if m.group() == "%%" else REDACTED, str(record.msg))
            record.args = None
        return True


class RedactMalformed(logging.Filter):
    """Drop the request bytes aiohttp quotes when a request does not parse (headers and all)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record and its exception's type; lose the quoted request."""
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.exc_info = None
            record.exc_text = None
            record.msg = (
                f"{record.getMessage()}: {type(exc).__name__} (request not shown: it may hold a token)"
            )
            record.args = None
        return True


#: Loggers that quote unparsable requests.
REQUEST_LOGGERS: Final = ("aiohttp.server", "aiohttp.web", "aiohttp.access")

_FILTER = RedactHeaderValues()
_MALFORMED = RedactMalformed()


def install() -> None:
    """Attach the filters to hpack's and aiohttp's loggers (idempotent)."""
    for name in HEADER_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if _MALFORMED not in logger.filters:
            logger.addFilter(_MALFORMED)


__all__ = [
    "HEADER_LOGGERS",
    "REDACTED",
    "REQUEST_LOGGERS",
    "RedactHeaderValues",
    "RedactMalformed",
    "install",
]

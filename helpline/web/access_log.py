"""The server's access log carries paths, never query strings (SECURITY.md §9).

A query string can hold what the log must not: Twilio sends the caller's number in it when a
webhook is configured for GET, and a search form would send what was searched for. The log line
keeps method, path and status, which is what operating the service needs.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class PathWithoutQuery(logging.Filter):
    """Cuts the query string from uvicorn's access-log record (its third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def install() -> None:
    """Once per process (every app factory call would otherwise add another)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, PathWithoutQuery) for existing in logger.filters):
        logger.addFilter(PathWithoutQuery())

"""The server's access log: paths, never query strings (SECURITY.md §9: no numbers in logs)."""

from __future__ import annotations

import logging
import urllib.request

from helpline.web.access_log import PathWithoutQuery
from tests.support.live_server import live_server

NUMBER = "+46701740699"


def test_the_filter_cuts_the_query_from_a_record_as_uvicorn_writes_it():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/twilio/voice?From=%2B46701740699&To=x", "1.1", 403), None,
    )
    assert PathWithoutQuery().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /twilio/voice HTTP/1.1" 403'


def test_a_caller_number_in_a_query_string_never_reaches_the_servers_log(tmp_path):
    """Twilio sends the caller's number in the query when a webhook is set to GET; the real
    server, started as an operator starts it, logs the request without it."""
    with live_server(tmp_path / "data") as server:
        for path in (f"/twilio/voice?From={NUMBER.replace('+', '%2B')}", f"/healthz?n={NUMBER}"):
            try:
                urllib.request.urlopen(server.url(path), timeout=10)
            except urllib.error.HTTPError as refused:  # the unsigned webhook: 403
                assert refused.code == 403
        log = server.log_path.read_text(errors="replace")
    assert '"GET /healthz HTTP/1.1" 200' in log and '"GET /twilio/voice HTTP/1.1" 403' in log
    assert "46701740699" not in log

"""Benchmark of the Twilio voice webhook. A script, not a test: it prints figures and a ratio.

Signed POST /twilio/voice (a new CallSid each time, so every request records a call: signature
check, line lookup, encrypted caller number and blind index, the call's data key, audit event,
roster read and decrypt, TwiML) at 20 concurrent connections on 127.0.0.1, against the app served
by uvicorn as ``helpline serve`` serves it; in the same run, a bare Starlette endpoint returning
fixed TwiML served by the same uvicorn settings.

The load comes from wrk (C, one thread, a process of its own), closed loop: each connection
sends its next request when the answer to the last one arrives. The requests are signed in
advance, each with its own CallSid; the script checks afterwards that every answered call was
recorded, so no request was a cheaper repeat.

Two floors run in the same run, to show what the ratio target asks of any implementation on
this stack: floor 1 checks the signature and answers fixed TwiML; floor 2 also commits the call
(one plain row, in groups, through the application's own database engine) before answering,
as issue 4 requires. Neither encrypts, audits or reads the roster, so the helpline cannot be
cheaper than floor 2.

Targets: p99 < 50 ms and p99 within 3x of the bare endpoint's p99.
Run: .venv/bin/python bench/bench_twilio.py [--seconds 15] [--workers 1] [--database-url URL]
(default database: a fresh SQLite file, the embedded default; pass a postgresql+asyncpg URL of
an empty database whose name contains "bench" to measure PostgreSQL).
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.twilio_server import LINE, environ_for, free_port, prepare  # noqa: E402

TOKEN = "bench-auth-token-0123456789abcdef"
CONCURRENCY = 20
FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="sv-SE">Hej</Say>'
    "<Dial><Number>+46701740620</Number></Dial></Response>"
)


def bare_app():  # type: ignore[no-untyped-def]
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def voice(request: Request) -> Response:
        await request.body()
        return Response(FIXED_TWIML, media_type="application/xml")

    return Starlette(routes=[Route("/twilio/voice", voice, methods=["POST"])])


def _signature_check():  # type: ignore[no-untyped-def]
    """The cheapest correct check of Twilio's signature: parse the form, one compute_signature
    over the URL as configured (Twilio signs the URL it was given), compare in constant time."""
    import hmac
    import os
    from urllib.parse import parse_qsl

    from twilio.request_validator import RequestValidator

    validator = RequestValidator(os.environ["HELPLINE_TWILIO_AUTH_TOKEN"])
    url = os.environ["HELPLINE_PUBLIC_BASE_URL"] + "/twilio/voice"

    async def checked(request):  # type: ignore[no-untyped-def]
        params = dict(parse_qsl((await request.body()).decode()))
        expected = validator.compute_signature(url, params).encode()
        given = request.headers.get("x-twilio-signature", "").encode()
        return params if hmac.compare_digest(expected, given) else None

    return checked


def signature_only_app():  # type: ignore[no-untyped-def]
    """Floor 1: the signature check, then fixed TwiML. No database."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    checked = _signature_check()

    async def voice(request: Request) -> Response:
        if await checked(request) is None:
            return Response(status_code=403)
        return Response(FIXED_TWIML, media_type="application/xml")

    return Starlette(routes=[Route("/twilio/voice", voice, methods=["POST"])])


def durable_floor_app():  # type: ignore[no-untyped-def]
    """Floor 2, the least any correct voice webhook does on this stack, and nothing of ours
    beyond the database engine: the signature check, then the call committed before Twilio
    gets its answer (issue 4, SECURITY.md), then fixed TwiML. The call is one plain row
    (CallSid and caller number in clear: no encryption, no data key, no blind index, no audit
    event, no roster read, no middleware), inserted idempotently by CallSid, in groups that
    share one transaction as helpline.calls.recorder does, through the application's own
    engine (helpline.db.create_engine: on SQLite its thread-free driver, WAL, synchronous=FULL).
    What the helpline does on top only costs more, so floor p99 / bare p99 bounds the helpline's
    ratio from below."""
    import asyncio
    import contextlib
    import os

    import sqlalchemy as sa
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from helpline.db import create_engine

    engine = create_engine(os.environ["BENCH_FLOOR_DATABASE_URL"])
    calls = sa.Table(
        "bench_floor_calls", metadata := sa.MetaData(),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("call_sid", sa.String(64), nullable=False, unique=True),
        sa.Column("caller", sa.String(32)),
    )
    insert = _insert_ignoring_repeats(engine.dialect.name, calls)
    checked = _signature_check()
    waiting: list[tuple[dict[str, str], asyncio.Future[None]]] = []
    worker: list[asyncio.Task[None]] = []

    async def record_waiting() -> None:
        while waiting:
            group = waiting[:200]
            del waiting[:200]
            try:
                async with engine.begin() as connection:
                    await connection.execute(insert, [row for row, _ in group])
            except Exception as exc:  # noqa: BLE001 - handed to the waiting requests
                for _, future in group:
                    if not future.done():  # not a request that went away
                        future.set_exception(exc)
            else:
                for _, future in group:
                    if not future.done():
                        future.set_result(None)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield
        await engine.dispose()

    async def voice(request: Request) -> Response:
        params = await checked(request)
        if params is None:
            return Response(status_code=403)
        row = {"id": str(uuid.uuid4()), "call_sid": params["CallSid"], "caller": params["From"]}
        future = asyncio.get_running_loop().create_future()
        waiting.append((row, future))
        if not worker or worker[0].done():
            worker[:] = [asyncio.get_running_loop().create_task(record_waiting())]
        await future
        return Response(FIXED_TWIML, media_type="application/xml")

    return Starlette(routes=[Route("/twilio/voice", voice, methods=["POST"])], lifespan=lifespan)


def _insert_ignoring_repeats(dialect: str, table):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=["call_sid"])


def _serve(args: list[str], environ: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", "--no-server-header",
    ]
    process = subprocess.Popen(command, env=environ, cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def _signed(base_url: str) -> tuple[bytes, str]:
    """One webhook exactly as Twilio sends it: form-encoded, signed over URL + sorted params."""
    from twilio.request_validator import RequestValidator

    params = {
        "AccountSid": "AC" + "0" * 32, "CallSid": "CA" + uuid.uuid4().hex, "From": "+46701740611",
        "To": LINE, "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(TOKEN).compute_signature(base_url + "/twilio/voice", params)
    return urlencode(params).encode(), signature


def _lua_string(data: bytes) -> str:
    return '"' + "".join(f"\\{b}" for b in data) + '"'


WRK_CALLBACKS = """
-- Each wrk thread runs its own copy of this script: keep to one thread (-t1), and start where
-- the previous run stopped (argument 1), so that no call is sent twice.
local sent, offset = 0, 0

init = function(args)
  offset = tonumber(args[1] or "0")
end

request = function()
  sent = sent + 1
  local i = ((offset + sent - 1) % #bodies) + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signatures[i],
  }, bodies[i])
end

done = function(summary, latency, requests)
  local e = summary.errors
  -- done() runs in a state of its own: only wrk's summary is known here. errors.status
  -- counts answers that were not 2xx/3xx.
  io.write(string.format("RESULT completed=%d errors=%d p50=%d p99=%d max=%d\\n",
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _wrk_script(path: pathlib.Path, base_url: str, count: int) -> None:
    """A wrk script sending ``count`` distinct signed calls (a new CallSid each, since a repeat
    is cheaper than a new call)."""
    lines = ["bodies, signatures = {}, {}"]
    for i in range(1, count + 1):
        body, signature = _signed(base_url)
        lines.append(f"bodies[{i}] = {_lua_string(body)}")
        lines.append(f"signatures[{i}] = {_lua_string(signature.encode())}")
    path.write_text("\n".join(lines) + WRK_CALLBACKS)


@dataclass
class Result:
    name: str
    completed: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    seconds: int

    def line(self) -> str:
        return (
            f"{self.name:28} n={self.completed:6} {self.completed / self.seconds:6.0f} req/s  "
            f"p50={self.p50_ms:7.1f} ms  p99={self.p99_ms:7.1f} ms  max={self.max_ms:7.1f} ms"
        )


def _wrk(
    name: str,
    url: str,
    script: pathlib.Path,
    seconds: int,
    concurrency: int,
    offset: int = 0,
    pause_ms: int = 0,
) -> Result:
    """wrk: a C load generator in a process of its own, so the client's CPU cost is small and
    the same for both endpoints (a Python client costs more per request than the bare app).
    With ``pause_ms``, each connection waits that long before its next request (wrk's delay());
    without, the next request goes as soon as the answer is in (closed loop)."""
    if pause_ms:
        paced = script.with_name(f"{script.stem}-pause{pause_ms}.lua")
        paced.write_text(script.read_text() + f"\ndelay = function() return {pause_ms} end\n")
        script = paced
    output = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script),
         url, "--", str(offset)],
        check=True, capture_output=True, text=True,
    ).stdout
    fields = dict(item.split("=") for item in output.split("RESULT ", 1)[1].split())
    return Result(
        name=name, completed=int(fields["completed"]), errors=int(fields["errors"]),
        p50_ms=int(fields["p50"]) / 1000, p99_ms=int(fields["p99"]) / 1000,
        max_ms=int(fields["max"]) / 1000, seconds=seconds,
    )


def _count_calls(database_url: str) -> tuple[int, int]:
    """Calls recorded, and their call.received audit events (one each)."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def count() -> tuple[int, int]:
        engine = create_async_engine(database_url)
        async with engine.connect() as connection:
            calls = (await connection.execute(text("SELECT count(*) FROM helpline_calls"))).scalar()
            events = (
                await connection.execute(
                    text("SELECT count(*) FROM audit_events WHERE action = 'call.received'")
                )
            ).scalar()
        await engine.dispose()
        return int(calls or 0), int(events or 0)

    return asyncio.run(count())


def _verify_audit_chain(environ: dict[str, str]) -> str:
    """`helpline audit verify` on the benchmark's database: the calls recorded together, by
    one process or several, must still form one unbroken chain."""
    result = subprocess.run(
        [sys.executable, "-m", "helpline.cli", "audit", "verify"],
        env=environ, cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        sys.exit(f"audit verify failed: {result.stdout}{result.stderr}")
    return result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15, help="measured run per endpoint")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--calls", type=int, default=30000, help="distinct signed calls prepared")
    parser.add_argument(
        "--pause-ms", type=int, default=0,
        help="pause of each connection between calls (0, the default: closed loop, as the "
        "targets are stated; more: latency below saturation, for information)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_twilio needs wrk (Debian package 'wrk'); `make bench` installs it")
    with tempfile.TemporaryDirectory(prefix="bench-twilio-") as tmp:
        data_dir = pathlib.Path(tmp)
        app_port, bare_port = free_port(), free_port()
        base_url = f"http://127.0.0.1:{app_port}"
        database_url = args.database_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
        environ = environ_for(data_dir, database_url, base_url, TOKEN)
        prepare(environ)
        app_script, bare_script = data_dir / "app.lua", data_dir / "bare.lua"
        _wrk_script(app_script, base_url, args.calls)
        _wrk_script(bare_script, base_url, 100)
        workers = ["--workers", str(args.workers)]
        # The floors check signatures over the app's URL (as behind a proxy), so the app's
        # signed calls serve them too; floor 2 records them in a database of its own (on
        # PostgreSQL, a table of its own).
        floor_environ = {
            **environ,
            "BENCH_FLOOR_DATABASE_URL": database_url if database_url.startswith("postgresql")
            else f"sqlite+aiosqlite:///{data_dir / 'floor.db'}",
        }
        signature_port, floor_port = free_port(), free_port()
        servers = [
            _serve(["--factory", "helpline.app:create_app", *workers], environ, app_port),
            _serve(["bench.bench_twilio:bare_app", "--factory", *workers], environ, bare_port),
            _serve(["bench.bench_twilio:signature_only_app", "--factory", *workers],
                   floor_environ, signature_port),
            _serve(["bench.bench_twilio:durable_floor_app", "--factory", *workers],
                   floor_environ, floor_port),
        ]
        app_url = f"{base_url}/twilio/voice"
        bare_url = f"http://127.0.0.1:{bare_port}/twilio/voice"
        signature_url = f"http://127.0.0.1:{signature_port}/twilio/voice"
        floor_url = f"http://127.0.0.1:{floor_port}/twilio/voice"
        try:
            # Warm up all (imports, caches, pooled connections); the app's warm-up spends the
            # first calls of its script, the measured run goes on with fresh ones.
            _wrk("warm-up", bare_url, bare_script, 2, args.concurrency)
            _wrk("warm-up", signature_url, bare_script, 2, args.concurrency)
            _wrk("warm-up", floor_url, app_script, 2, args.concurrency)
            warm = _wrk("warm-up", app_url, app_script, 2, args.concurrency)
            app = _wrk("helpline /twilio/voice", app_url, app_script, args.seconds,
                       args.concurrency, offset=warm.completed + args.concurrency,
                       pause_ms=args.pause_ms)
            bare = _wrk("bare Starlette fixed TwiML", bare_url, bare_script, args.seconds,
                        args.concurrency, pause_ms=args.pause_ms)
            signature = _wrk("floor 1: signature only", signature_url, bare_script,
                             args.seconds, args.concurrency, pause_ms=args.pause_ms)
            # Past the script's end the calls repeat; floor 2 inserts a repeat as a no-op,
            # which costs it as much as a new call (the same unique-index probe).
            floor = _wrk("floor 2: + durable insert", floor_url, app_script, args.seconds,
                         args.concurrency, pause_ms=args.pause_ms)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
        answered = warm.completed + app.completed
        if answered + 2 * args.concurrency > args.calls:
            sys.exit(f"ran out of distinct calls ({answered} answered): raise --calls")
        for result in (warm, app, bare, signature, floor):
            if result.errors:
                sys.exit(f"{result.name}: {result.errors} errors or answers other than 2xx")
        # Every answered call was a new one and was recorded; calls still in flight when wrk
        # stopped may be recorded without being counted as answered.
        recorded, received_events = _count_calls(database_url)
        if not answered <= recorded <= answered + 2 * args.concurrency:
            sys.exit(f"{answered} calls answered, {recorded} recorded")
        if received_events != recorded:
            sys.exit(f"{recorded} calls recorded, {received_events} call.received audit events")
        chain = _verify_audit_chain(environ)
        engine = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        loop = (f"paced: {args.pause_ms} ms between a connection's calls, NOT the closed loop "
                "of the targets" if args.pause_ms else "closed loop")
        print(f"Signed POST /twilio/voice, {args.concurrency} connections (wrk, {loop}), "
              f"{engine}, {args.workers} uvicorn worker(s); {answered} calls answered, "
              f"{recorded} recorded, each with its audit event; {chain}")
        for result in (app, bare, signature, floor):
            print(result.line())
        ratio = app.p99_ms / bare.p99_ms
        print(f"p99 ratio helpline / bare: {ratio:.2f}x (target <= 3x); "
              f"p99 target < 50 ms: {'met' if app.p99_ms < 50 else 'NOT met'}; "
              f"ratio target: {'met' if ratio <= 3 else 'NOT met'}")
        floor_ratio = floor.p99_ms / bare.p99_ms
        print(f"p99 ratio floor 1 (signature check only) / bare: "
              f"{signature.p99_ms / bare.p99_ms:.2f}x")
        print(f"p99 ratio floor 2 (signature check + durable insert of a plain row) / bare: "
              f"{floor_ratio:.2f}x: "
              + ("above 3x, so a webhook that commits the call before answering cannot meet "
                 "the ratio target on this stack" if floor_ratio > 3 else "within 3x"))
        print(f"p99 ratio helpline / floor 2: {app.p99_ms / floor.p99_ms:.2f}x "
              "(what encryption, audit, roster and the middleware add)")


if __name__ == "__main__":
    main()

"""Benchmark of the Twilio voice webhook. A script, not a test: it prints figures and a ratio.

Signed POST /twilio/voice (a new CallSid each time, so every request records a call: signature
check, line lookup, encrypted caller number and blind index, audit event, roster read and
decrypt, TwiML) at 20 concurrent connections on 127.0.0.1, against the app served by uvicorn as
``helpline serve`` serves it; in the same run, a bare Starlette endpoint returning fixed TwiML
served by the same uvicorn settings.

Targets: p99 < 50 ms and p99 within 3x of the bare endpoint's p99.
Run: .venv/bin/python bench/bench_twilio.py [--requests 2000] [--database-url URL]
(default database: a fresh SQLite file, the embedded default; pass a postgresql+asyncpg URL of
an empty database whose name contains "bench" to measure PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import urlencode

import httpx

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "bench-auth-token-0123456789abcdef"
LINE = "+46701740605"
DUTY = "+46701740620"
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environ(data_dir: pathlib.Path, database_url: str, base_url: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    environ.update(
        PYTHONPATH=str(ROOT),
        HELPLINE_ENV="development",
        HELPLINE_DATA_DIR=str(data_dir),
        HELPLINE_DATABASE_URL=database_url,
        HELPLINE_PUBLIC_BASE_URL=base_url,
        HELPLINE_TWILIO_AUTH_TOKEN=TOKEN,
    )
    return environ


def _prepare(environ: dict[str, str]) -> None:
    """Schema, one police organisation answering LINE, one officer on duty."""
    code = f"""
import asyncio
from datetime import timedelta
from helpline import clock, migrations
from helpline.app import create_app
from helpline.accounts import service as accounts
from helpline.audit import AuditContext
from helpline.calls import roster, telephony
from helpline.calls.schemas import ShiftForm
from helpline.calls.service import Deps
from helpline.db import session_factory
from helpline.models.org import OrganisationType
from helpline.models.users import Role
from helpline.settings import Settings

settings = Settings.from_environ()
migrations.upgrade(settings.database_url)

async def main():
    app = create_app(settings)
    async with session_factory(app.state.engine)() as db, db.begin():
        ctx = AuditContext(actor=None)
        org = await accounts.create_organisation(
            db, context=ctx, name="Bench", type=OrganisationType.POLICE)
        officer = await accounts.create_user(
            db, context=ctx, organisation=org, email="b@bench.example",
            display_name="Bench Officer", role=Role.SUPERVISOR, password="bench-password-123456")
        await telephony.ensure_line(db, organisation_id=org.id, number={LINE!r})
        now = clock.now()
        deps = Deps(db=db, keys=app.state.keys, context=AuditContext(actor=officer), now=now)
        await roster.add_shift(deps, ShiftForm(values={{}}, errors={{}}, user_id=officer.id,
            phone={DUTY!r}, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)))
    await app.state.engine.dispose()

asyncio.run(main())
"""
    subprocess.run([sys.executable, "-c", code], env=environ, cwd=ROOT, check=True)


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


def _signed(base_url: str) -> tuple[bytes, dict[str, str]]:
    from twilio.request_validator import RequestValidator

    params = {
        "AccountSid": "AC" + "0" * 32, "CallSid": "CA" + uuid.uuid4().hex, "From": "+46701740611",
        "To": LINE, "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(TOKEN).compute_signature(base_url + "/twilio/voice", params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
    }
    return urlencode(params).encode(), headers


async def _load(url: str, base_url: str, total: int, concurrency: int) -> list[float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                body, headers = _signed(base_url)
                started = time.perf_counter()
                response = await client.post(url, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or "<Response>" not in response.text:
                    raise RuntimeError(f"unexpected answer {response.status_code}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _report(name: str, latencies: list[float]) -> float:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{name:28} n={len(ms):5}  p50={statistics.median(ms):6.1f} ms  "
        f"p95={ms[int(len(ms) * 0.95)]:6.1f} ms  p99={p99:6.1f} ms  max={ms[-1]:6.1f} ms"
    )
    return p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-twilio-") as tmp:
        data_dir = pathlib.Path(tmp)
        app_port, bare_port = _free_port(), _free_port()
        base_url = f"http://127.0.0.1:{app_port}"
        database_url = args.database_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
        environ = _environ(data_dir, database_url, base_url)
        _prepare(environ)
        servers = [
            _serve(["--factory", "helpline.app:create_app"], environ, app_port),
            _serve(["bench.bench_twilio:bare_app", "--factory"], environ, bare_port),
        ]
        try:
            warm = max(100, args.requests // 10)
            for port in (app_port, bare_port):  # warm up both (imports, caches, connections)
                asyncio.run(
                    _load(f"http://127.0.0.1:{port}/twilio/voice", base_url, warm, args.concurrency)
                )
            app_lat = asyncio.run(
                _load(f"{base_url}/twilio/voice", base_url, args.requests, args.concurrency)
            )
            bare_lat = asyncio.run(
                _load(
                    f"http://127.0.0.1:{bare_port}/twilio/voice", base_url, args.requests,
                    args.concurrency,
                )
            )
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
        engine = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        print(f"Signed POST /twilio/voice, {args.concurrency} concurrent connections, {engine}")
        app_p99 = _report("helpline /twilio/voice", app_lat)
        bare_p99 = _report("bare Starlette fixed TwiML", bare_lat)
        ratio = app_p99 / bare_p99
        print(f"p99 ratio helpline / bare: {ratio:.2f}x (target <= 3x); "
              f"p99 target < 50 ms: {'met' if app_p99 < 50 else 'NOT met'}; "
              f"ratio target: {'met' if ratio <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()

"""The real app as a subprocess, started as an operator starts it (``helpline migrate``,
``helpline demo``, ``helpline serve``), on a free port of 127.0.0.1 and a throwaway data
directory. Used by the browser tests and by the Schemathesis run over the OpenAPI document."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 20.0  # seconds for /healthz to answer
COMMAND_TIMEOUT = 60.0  # seconds for one CLI command (migrate, demo, demo-code)
TOTP_STEP_SECONDS = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _helpline_command() -> list[str]:
    # The interpreter running pytest, so the server runs the same code and packages as the tests.
    return [sys.executable, "-m", "helpline.cli"]


def server_environ(
    data_dir: Path, base_url: str, database_url: str, **extra: str
) -> dict[str, str]:
    # Nothing HELPLINE_* leaks in from the developer's shell: the server sees only what we set.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    # The repository first on the path: an editable install made before a package gained its
    # __init__.py would otherwise import that package as an empty namespace package.
    environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    environ.update(
        HELPLINE_ENV="development",
        HELPLINE_DATA_DIR=str(data_dir),
        HELPLINE_DATABASE_URL=database_url,
        HELPLINE_PUBLIC_BASE_URL=base_url,
        **extra,
    )
    return environ


def _totp_step() -> int:
    return int(time.time() // TOTP_STEP_SECONDS)


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]  # the environment of the CLI commands (the database owner's URL)
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    # The TOTP step of the last code handed out per e-mail (see demo_code).
    _code_steps: dict[str, int] = field(default_factory=dict, repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    def run(self, *args: str) -> str:
        """Run a ``helpline`` CLI command against this server's database; returns its stdout."""
        return run_cli(self.env, *args)

    def demo_code(self, email: str) -> str:
        """The demo user's current TOTP code, never one of a step already handed out.

        The app accepts a code once per user and 30-second step (replay protection), and the
        tests of a package share one server. A second code for the same user within one step
        would be refused, so this waits (at most one step) for a fresh step instead.
        """
        while _totp_step() <= self._code_steps.get(email, -1):
            time.sleep(0.2)
        code = self.run("demo-code", email).strip()
        # The code belongs to a step between the call and now: remember the later, to be safe.
        self._code_steps[email] = _totp_step()
        assert code.isdigit() and len(code) == 6, code
        return code

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def run_cli(environ: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*_helpline_command(), *args],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert result.returncode == 0, (
        f"helpline {' '.join(args)} failed ({result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"helpline serve exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"helpline serve did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n"
        f"{server.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def live_server(
    data_dir: Path,
    *,
    database_url: str | None = None,
    serve_database_url: str | None = None,
    migrate: bool = True,
    **extra: str,
) -> Iterator[LiveServer]:
    """Migrate (unless the database already is), load the demo data, serve until the end.

    ``database_url`` is the owner's (CLI commands); ``serve_database_url`` the server's, on
    PostgreSQL the unprivileged application role so that row-level security applies.
    Default: a fresh SQLite file in ``data_dir``.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    database_url = database_url or f"sqlite+aiosqlite:///{data_dir / 'helpline_e2e_test.db'}"
    env = server_environ(data_dir, base_url, database_url, **extra)
    serve_env = {**env, "HELPLINE_DATABASE_URL": serve_database_url or database_url}
    log_path = data_dir.parent / f"server-{port}.log"
    if migrate:
        run_cli(env, "migrate")
    run_cli(env, "demo")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_helpline_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=serve_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(base_url=base_url, env=env, log_path=log_path, process=process)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        _stop(process)

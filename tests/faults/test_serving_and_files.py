"""The dashboard answers only requests addressed to it (issue 11, item 10); atomic writes leave the
process's umask alone; CI installs into a fresh virtual environment (item 1).

The Host/Origin guard is driven as an ASGI application in this process (no server, no browser):
the requests are what a page on another site, or a DNS-rebinding attack, would make the browser send.
"""
from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
import sys

import pytest

from simulation.present.serving import HostOriginGuard, allowed_hosts, exposure_warning, is_loopback
from simulation.runs.atomic import atomic_write

from .helpers import REPO


async def _app(scope, receive, send):  # the dashboard behind the guard: answers 200 / accepts the WebSocket
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"page"})


def _request(kind: str, host: str, origin: str | None = None, port: int = 8765) -> str:
    """What the guard answers: '200', '403', 'accepted' or 'closed' (a WebSocket refused before accept)."""
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    scope = {"type": kind, "headers": headers, "server": ("127.0.0.1", port), "path": "/"}
    sent = []

    async def receive():
        return {"type": "websocket.connect"} if kind == "websocket" else {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    guard = HostOriginGuard(_app, allowed_hosts("localhost"))
    asyncio.run(guard(scope, receive, send))
    first = sent[0]
    if first["type"] == "http.response.start":
        return str(first["status"])
    return "accepted" if first["type"] == "websocket.accept" else "closed"


@pytest.mark.parametrize("kind, host, origin, answer", [
    ("http", "localhost:8765", None, "200"),
    ("http", "127.0.0.1:8765", "http://127.0.0.1:8765", "200"),
    ("http", "[::1]:8765", None, "200"),
    ("http", "evil.example:8765", None, "403"),  # DNS rebinding: the attacker's name, resolved to 127.0.0.1
    ("http", "localhost:8765", "http://evil.example", "403"),
    ("websocket", "localhost:8765", "http://localhost:8765", "accepted"),
    ("websocket", "localhost:8765", "http://evil.example", "closed"),  # cross-site WebSocket hijacking
    ("websocket", "localhost:8765", "http://localhost:9999", "closed"),  # another local page, another port
    ("websocket", "evil.example:8765", "http://evil.example:8765", "closed"),
    ("websocket", "", None, "closed"),
])
def test_only_requests_addressed_to_the_dashboard_are_answered(kind, host, origin, answer):
    assert _request(kind, host, origin) == answer


def test_binding_beyond_localhost_is_said_clearly():
    assert exposure_warning("localhost", allowed_hosts("localhost")) is None
    assert exposure_warning("127.0.0.1", allowed_hosts("127.0.0.1")) is None
    hosts = allowed_hosts("0.0.0.0", ["dash.example.org"])
    warning = exposure_warning("0.0.0.0", hosts)
    assert warning.startswith("warning: --host 0.0.0.0: the dashboard is served on every network interface, beyond "
                              "this machine; anyone who can reach it can use it")
    assert "dash.example.org" in warning and "0.0.0.0" not in hosts and "localhost" in hosts
    assert not is_loopback("0.0.0.0") and is_loopback("::1")


def test_the_dashboard_command_warns_before_it_serves(monkeypatch, capsys):
    """``--host 0.0.0.0`` prints the warning first (the server itself is not started here)."""
    from simulation import dashboard

    monkeypatch.setattr(dashboard, "_port_free", lambda host, port: True)
    monkeypatch.setattr(dashboard, "warm_up", lambda: (_ for _ in ()).throw(SystemExit(0)))
    with pytest.raises(SystemExit):
        dashboard.main(["--host", "0.0.0.0", "--port", "8765"])
    assert capsys.readouterr().err.startswith("warning: --host 0.0.0.0: the dashboard is served on every network")


def test_atomic_write_leaves_the_umask_alone(tmp_path, monkeypatch):
    """The file gets 0666 minus the umask, and the umask is never read by setting it (another thread
    could create a file with umask 0 in between)."""
    current = os.umask(0o022)
    os.umask(current)
    monkeypatch.setattr(os, "umask", lambda *a: pytest.fail("atomic_write changed the process umask"))
    path = tmp_path / "x.txt"
    atomic_write(path, lambda tmp: tmp.write_text("x"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~current
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_ci_installs_into_a_fresh_virtual_environment_with_the_readme_command():
    script = (REPO / ".ci" / "run").read_text()
    readme = (REPO / "README.md").read_text()
    test_command = 'python -m pip install -e ".[test]" && python -m pytest -q'
    assert test_command in readme and test_command in script
    assert re.search(r"rm -rf \.venv-ci\n\"\$PYTHON\" -m venv \.venv-ci\n", script)
    assert script.index("-m venv .venv-ci") < script.index(test_command)
    assert "python -m pip install -e . && python .ci/dashboard_starts.py" in script
    assert subprocess.run(["bash", "-n", str(REPO / ".ci" / "run")], check=False).returncode == 0
    assert subprocess.run([sys.executable, "-m", "py_compile", str(REPO / ".ci" / "dashboard_starts.py")],
                          check=False).returncode == 0

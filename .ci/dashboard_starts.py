"""CI check: ``python -m simulation.dashboard`` starts from a fresh install and serves the page.

Run by ``.ci/run`` inside its fresh virtual environment. Exit status 0 when the page answers 200
within four minutes (the first start compiles the kernel), 1 otherwise (the server's output is shown).
"""
from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def main() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([sys.executable, "-m", "simulation.dashboard", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=5) as r:
                    if r.status == 200:
                        print(f"dashboard: served http://localhost:{port}/ from a fresh install")
                        return 0
            except OSError:
                time.sleep(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    log.seek(0)
    print(log.read()[-4000:], file=sys.stderr)
    print("dashboard: did not serve the page from a fresh install", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

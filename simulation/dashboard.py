"""``python -m simulation.dashboard``: serve the presenters' dashboard (Mesa's SolaraViz; the page:
:mod:`simulation.present.dashboard`) on localhost.

    python -m simulation.dashboard [--port 8765] [--host localhost] [--open]
"""
from __future__ import annotations

import argparse
import socket
import sys

from simulation.present.dashboard import warm_up


def _port_free(host: str, port: int) -> bool:
    """Can a server listen on this address? (Checked before the warm-up, so a busy port fails at once.)"""
    try:
        with socket.create_server((host, port)):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboard on localhost with Solara (``solara run simulation.present.dashboard``) after a warm-up."""
    parser = argparse.ArgumentParser(prog="python -m simulation.dashboard",
                                     description="Serve the presenters' dashboard (Mesa SolaraViz) on localhost.")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--host", default="localhost", help="interface to listen on (default localhost)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"{parser.prog}: error: --port: {args.port} is not a port number (0-65535)", file=sys.stderr)
        return 2
    if args.port and not _port_free(args.host, args.port):
        print(f"{parser.prog}: error: --port: {args.port} is in use on {args.host} (choose another with --port)",
              file=sys.stderr)
        return 2
    print("warming up the model (the first run compiles the kernel, about 30 s) ...", flush=True)
    warm_up()
    from solara.__main__ import run as solara_run
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False  # a local tool: no usage reports

    solara_run.main(["simulation.present.dashboard", "--host", args.host, "--port", str(args.port),
                     "--open" if args.open else "--no-open", "--no-check-version", "--production"],
                    standalone_mode=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m simulation.dashboard``: serve the presenters' dashboard (Mesa's SolaraViz; the page:
:mod:`simulation.present.dashboard`) on localhost.

    python -m simulation.dashboard [--port 8765] [--host localhost] [--open] [--allow-host NAME]

Only requests addressed to the served address are answered (Host and Origin checks:
:mod:`simulation.present.serving`); a ``--host`` beyond this machine is said in a warning.
"""
from __future__ import annotations

import os
import socket
import sys

from simulation.cli import OneLineParser, guard
from simulation.present.dashboard import warm_up
from simulation.present.serving import HostOriginGuard, allowed_hosts, exposure_warning

PAGE = "simulation.present.dashboard"


def _port_free(host: str, port: int) -> bool:
    """Can a server listen on this address? (Checked before the warm-up, so a busy port fails at once.)"""
    try:
        with socket.create_server((host, port)):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboard on localhost with Solara (``solara run simulation.present.dashboard``) after a warm-up."""
    parser = OneLineParser(prog="python -m simulation.dashboard",
                           description="Serve the presenters' dashboard (Mesa SolaraViz) on localhost.")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--host", default="localhost", help="interface to listen on (default localhost)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another host name requests may be addressed to (e.g. the name of a proxy in front); "
                             "repeatable. Requests naming any other host, or from another site's page, are refused")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"{parser.prog}: error: --port: {args.port} is not a port number (0-65535)", file=sys.stderr)
        return 2
    if args.port and not _port_free(args.host, args.port):
        print(f"{parser.prog}: error: --port: {args.port} is in use on {args.host} (choose another with --port)",
              file=sys.stderr)
        return 2
    return guard(parser.prog, lambda writing: _serve(args))


def _serve(args) -> int:
    hosts = allowed_hosts(args.host, args.allow_host)
    warning = exposure_warning(args.host, hosts)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    print("warming up the model (the first run compiles the kernel, about 30 s) ...", flush=True)
    warm_up()
    from solara.__main__ import run as solara_run
    from solara.server import settings

    # solara.server.app creates the page at import from SOLARA_APP (solara's run sets it too, with this value)
    os.environ["SOLARA_APP"] = PAGE
    from solara.server import starlette as solara_server

    settings.telemetry.mixpanel_enable = False  # a local tool: no usage reports
    # every request and WebSocket upgrade must be addressed to this server (DNS rebinding, cross-site pages)
    solara_server.app.add_middleware(HostOriginGuard, hosts=hosts)

    solara_run.main([PAGE, "--host", args.host, "--port", str(args.port),
                     "--open" if args.open else "--no-open", "--no-check-version", "--production"],
                    standalone_mode=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

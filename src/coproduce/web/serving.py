"""Several server processes on one port, each with a listening socket of its own.

uvicorn's ``--workers`` shares one listening socket among its processes, and the process that
wakes first accepts every connection waiting: under the load benchmark one of two processes
held 55 of the 60 connections (browsers keep theirs open, so it stayed that way) while the
other sat idle. On Linux each process here binds its own socket with ``SO_REUSEPORT``, and the
kernel shares new connections evenly among them. uvicorn's supervisor still starts, watches and
replaces the processes; where ``SO_REUSEPORT`` is missing the shared socket is used.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from ..errors import BadInput


def shares_by_port() -> bool:
    """Whether each process can have its own socket on the port (Linux's ``SO_REUSEPORT``)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def own_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening socket on ``host:port`` that other processes may share (``SO_REUSEPORT``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _check_port(host: str, port: int) -> None:
    """Refuse at once, in words, a port another program holds (else each process would fail
    to start, again and again)."""
    try:
        own_socket(host, port).close()
    except OSError as exc:
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def run_processes(app: str, workers: int, **options: Any) -> None:
    """Serve the ASGI ``app`` (an import string of a factory) in ``workers`` processes on
    ``options['host']:options['port']``, under uvicorn's supervisor."""
    import uvicorn
    from uvicorn.supervisors import multiprocess

    if not (shares_by_port() and _supervisor_as_expected(multiprocess)):
        uvicorn.run(app, factory=True, workers=workers, **options)
        return
    config = uvicorn.Config(app, factory=True, workers=workers, **options)
    _check_port(config.host, config.port)
    # the supervisor makes its processes by this module-level name, at start and when it
    # replaces one that died: each of ours listens on its own socket
    multiprocess.Process = _ProcessWithOwnSocket
    multiprocess.Multiprocess(config, sockets=[]).run()


def _supervisor_as_expected(multiprocess: Any) -> bool:
    """uvicorn's supervisor has the shape this module relies on (else use it as it is)."""
    process = getattr(multiprocess, "Process", None)
    return (
        process is not None
        and hasattr(multiprocess, "Multiprocess")
        and callable(getattr(process, "target", None))
    )


def _process_class() -> type:
    from uvicorn.supervisors.multiprocess import Process

    return Process


class _ProcessWithOwnSocket(_process_class()):  # type: ignore[misc]
    """uvicorn's worker process, listening on a socket of its own."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:
        super().target([own_socket(self.config.host, self.config.port, self.config.backlog)])

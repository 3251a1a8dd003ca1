"""``coproduce serve --workers 2``: both processes take connections (each listens on a socket
of its own); with one shared socket, one process took nearly all of them."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from coproduce.web.serving import own_socket, shares_by_port

from .live import free_port, live_server

EMAIL = "admin@serve.example.org"

pytestmark = pytest.mark.skipif(not shares_by_port(), reason="SO_REUSEPORT is Linux's")


def _sockets(port: int, state: str) -> set[str]:
    """Socket inodes of TCP sockets in ``state`` (/proc/net/tcp's code: 01 established, 0A
    listening) whose local port is ``port``."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, here, inode = fields[1], fields[3], fields[9]
        if here == state and int(local.split(":")[1], 16) == port:
            found.add(inode)
    return found


def _established(port: int) -> set[str]:
    return _sockets(port, "01")


def _holders(inodes: set[str]) -> dict[int, int]:
    """How many of the sockets ``inodes`` each process holds (from /proc)."""
    held: dict[int, int] = {}
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            targets = [os.readlink(fd) for fd in fd_dir.iterdir()]
        except OSError:  # gone, or not ours to read
            continue
        n = sum(1 for t in targets if t.startswith("socket:[") and t[8:-1] in inodes)
        if n:
            held[int(fd_dir.parent.name)] = n
    return held


def test_two_sockets_on_one_port_share_the_connections():
    port = free_port()
    a, b = own_socket("127.0.0.1", port), own_socket("127.0.0.1", port)
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    try:
        taken = []
        for server in (a, b):
            server.setblocking(False)
            n = 0
            while True:
                try:
                    conn, _ = server.accept()
                except BlockingIOError:
                    break
                conn.close()
                n += 1
            taken.append(n)
        assert sum(taken) == 40 and min(taken) >= 5, taken
    finally:
        for c in clients:
            c.close()
        a.close()
        b.close()


def test_both_server_processes_take_connections(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    with live_server(url, EMAIL, "a long test password", "Admin", args=("--workers", "2")) as base:
        port = int(base.rsplit(":", 1)[1])
        end = time.monotonic() + 30
        while len(_sockets(port, "0A")) < 2:  # until both processes listen
            assert time.monotonic() < end, "the second server process never listened"
            time.sleep(0.05)
        # 40 connections opened at once (as 40 colleagues' browsers opening the workspace),
        # then kept: each asks for a page on its own connection
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
        try:
            for c in clients:
                c.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for c in clients:
                assert c.recv(64).startswith(b"HTTP/1.1 200")
            counts = sorted(_holders(_established(port)).values())
            assert sum(counts) == 40, counts
            assert len(counts) == 2 and counts[0] >= 5, counts  # both hold some
        finally:
            for c in clients:
                c.close()

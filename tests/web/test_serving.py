"""``coproduce serve --workers 2``: both processes take connections (each listens on a socket
of its own); with one shared socket, one process took nearly all of them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from coproduce.web.serving import own_socket, shares_by_port

pytestmark = pytest.mark.skipif(not shares_by_port(), reason="SO_REUSEPORT is Linux's")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _established(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is ``port``."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "01" and int(local.split(":")[1], 16) == port:
            found.add(inode)
    return found


def _connections_of(pid: int, inodes: set[str]) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_two_sockets_on_one_port_share_the_connections():
    port = _free_port()
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
    port = _free_port()
    env = {**os.environ, "COPRODUCE_INSECURE_COOKIES": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coproduce",
            "serve",
            "--port",
            str(port),
            "--database",
            f"sqlite:///{tmp_path / 'serve.db'}",
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    clients = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # both processes up: each answers on its own socket
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(1.0)
        # 40 connections opened at once (as 40 colleagues' browsers opening the workspace),
        # then kept: each asks for a page on its own connection
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
        for c in clients:
            c.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for c in clients:
            assert c.recv(64).startswith(b"HTTP/1.1 200")
        children = _children(server.pid)
        inodes = _established(port)
        counts = sorted(_connections_of(pid, inodes) for pid in children)
        assert sum(counts) == 40, counts
        assert counts[-2] >= 5, counts  # the second-busiest process holds some too
    finally:
        for c in clients:
            c.close()
        server.terminate()
        server.wait(20)

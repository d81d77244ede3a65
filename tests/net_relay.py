"""A TCP relay on loopback between a client and a real server, which can break the connection.

The model server behind it is real; only the network is made to fail, in the two ways a
district's link to its model server fails: the connection drops in the middle of a reply
(``drop_after`` bytes of the reply, then both sockets close), or the server goes quiet
(``stall``: the request reaches it, nothing comes back)."""

from __future__ import annotations

import socket
import threading
from typing import Any


class Relay:
    def __init__(self, upstream_port: int, *, drop_after: int | None = None, stall: bool = False) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.drop_after = drop_after
        self.stall = stall
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.forwarded = 0  # bytes of reply passed to the client
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, reply: bool) -> None:
        try:
            while data := source.recv(4096):
                if reply and self.stall:
                    continue  # the server answers; the client never hears it
                if reply and self.drop_after is not None and self.forwarded + len(data) > self.drop_after:
                    target.sendall(data[: max(0, self.drop_after - self.forwarded)])
                    self.forwarded = self.drop_after
                    break
                target.sendall(data)
                if reply:
                    self.forwarded += len(data)
        except OSError:
            pass
        if reply and self.stall:
            return  # the client keeps waiting until its own timeout (or close())
        for sock in (source, target):
            _close(sock)

    def close(self) -> None:
        _close(self.listener)
        for sock in self._sockets:
            _close(sock)

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

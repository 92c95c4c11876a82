"""A database that hangs on demand: a TCP relay on 127.0.0.1 in front of a real server.

While healthy it relays every byte both ways. ``hang()`` drops the open connections and
from then on accepts new ones but never answers, as a PostgreSQL that is stuck would.
With no upstream it hangs from the start.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class HangingDatabase:
    def __init__(self, upstream: tuple[str, int] | None = None) -> None:
        self._upstream = upstream
        self._hanging = upstream is None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def hang(self) -> None:
        """Stop answering: drop the open connections; new ones are accepted, then ignored."""
        with self._lock:
            self._hanging = True
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def close(self) -> None:
        self.hang()
        _close(self._listener)

    def __enter__(self) -> HangingDatabase:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                if self._hanging or self._upstream is None:
                    # Held open, never read: the client waits for an answer that never comes.
                    self._open.append(client)
                    continue
                server = socket.create_connection(self._upstream)
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_relay, args=(source, sink), daemon=True).start()


def _relay(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()

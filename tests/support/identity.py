"""Callers by persona, for one identity mode.

noauth: the identity travels in the headers keystonemiddleware would set
(X-Project-Id, X-Roles); a request without them is the admin.
"""
from __future__ import annotations

import uuid

from tests.support.client import Client
from tests.support.server import ServerProcess


class NoAuthIdentities:
    mode = "noauth"

    def __init__(self) -> None:
        self.server = ServerProcess().start()
        self.project_a = uuid.uuid4().hex
        self.project_b = uuid.uuid4().hex
        url = self.server.url
        self.clients = {
            "admin": Client(url),
            "owner_member": Client(url, self.project_a, "member"),
            "owner_reader": Client(url, self.project_a, "reader"),
            "other_member": Client(url, self.project_b, "member"),
        }

    def client(self, persona: str) -> Client:
        return self.clients[persona]

    def close(self) -> None:
        self.server.stop()


def make(mode: str, request) -> NoAuthIdentities:
    if mode == "noauth":
        return NoAuthIdentities()
    raise ValueError(mode)

"""Callers by persona, for one identity mode.

noauth: the identity travels in the headers keystonemiddleware would set
(X-Project-Id, X-Roles); a request without them is the admin.
keystone: each persona authenticates with a password against the suite's real
Keystone (tests/support/keystone.py) and sends its token; ``no_token`` and
``invalid_token`` are callers without valid credentials.
"""
from __future__ import annotations

import uuid

from tests.support.client import Client
from tests.support.keystone import TokenAuth
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


class KeystoneIdentities:
    mode = "keystone"

    def __init__(self, keystone, server: ServerProcess) -> None:
        a, b = keystone.projects["project-a"], keystone.projects["project-b"]
        self.project_a = a.id
        self.project_b = b.id
        url = server.url
        users = {"admin": keystone.admin, "owner_member": a.member, "owner_reader": a.reader,
                 "other_member": b.member}
        self.clients = {persona: Client(url, auth=TokenAuth(keystone.session(user)))
                        for persona, user in users.items()}
        self.clients["no_token"] = Client(url)
        self.clients["invalid_token"] = Client(url, headers={"X-Auth-Token": uuid.uuid4().hex})

    def client(self, persona: str) -> Client:
        return self.clients[persona]

    def close(self) -> None:
        pass  # Keystone and the server are the session's


def make(mode: str, request) -> NoAuthIdentities | KeystoneIdentities:
    if mode == "noauth":
        made: NoAuthIdentities | KeystoneIdentities = NoAuthIdentities()
    elif mode == "keystone":
        made = KeystoneIdentities(request.getfixturevalue("keystone"),
                                  request.getfixturevalue("keystone_server"))
    else:
        raise ValueError(mode)
    lift_quotas(made)
    return made


def lift_quotas(made: NoAuthIdentities | KeystoneIdentities) -> None:
    """The matrix creates many resources in project A, more than the default quotas."""
    unlimited = {r: -1 for r in ("network", "subnet", "port", "security_group",
                                 "security_group_rule", "rbac_policy")}
    r = made.client("admin").put(f"/v2.0/quotas/{made.project_a}", {"quota": unlimited})
    assert r.status == 200, r

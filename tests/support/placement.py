"""A real Placement service (the openstack-placement package) for the QoS tests.

``Placement`` writes a placement.conf in a temporary directory (SQLite database,
synced on start-up), then serves Placement's WSGI application
(``placement.wsgi.api:application``) under gunicorn on a free loopback port, with
``noauth2`` (a token of ``admin`` is an admin) or, given a Keystone, behind real
tokens (keystonemiddleware, Placement's own service user and catalog entry).

The tests play Nova: ``create_compute_node`` makes the root provider of a host,
``allocation_candidates`` and ``allocate`` ask and write as Nova's scheduler does.
Fixtures: ``placement`` (noauth, one per test process) and ``placement_keystone``.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.support.postgres import free_port
from tests.support.requirements import started, unavailable
from tests.support.server import VENV_BIN

MICROVERSION = "placement 1.39"

_CONF = """\
[DEFAULT]
log_dir = {dir}
[api]
auth_strategy = {auth}
[placement_database]
connection = sqlite:///{dir}/placement.db
sync_on_startup = true
"""

_GUNICORN_CONF = """\
wsgi_app = "placement.wsgi.api:application"
bind = "127.0.0.1:{port}"
workers = 1
threads = 4
worker_class = "gthread"
control_socket_disable = True
raw_env = ["OS_PLACEMENT_CONFIG_DIR={dir}"]
errorlog = "{dir}/gunicorn.log"
"""


@dataclass
class Placement:
    dir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="neutrino-placement-"))
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    keystone: Any = None  # tests.support.keystone.Keystone, for token auth
    token: str = "admin"  # noauth2: the token whose user is admin

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Placement:
        auth = "keystone" if self.keystone is not None else "noauth2"
        conf = _CONF.format(dir=self.dir, auth=auth)
        if self.keystone is not None:
            conf += self.keystone.authtoken_conf().split("\n", 1)[1]
            self.token = self.keystone.token(self.keystone.admin)
        with open(os.path.join(self.dir, "placement.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(self.dir, "gunicorn.conf.py"), "w") as f:
            f.write(_GUNICORN_CONF.format(port=self.port, dir=self.dir))
        self.proc = subprocess.Popen(
            [os.path.join(VENV_BIN, "gunicorn")], cwd=self.dir, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr.log"), "wb"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Placement exited early:\n{self.log()}")
            try:
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"Placement did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        out = []
        for name in os.listdir(self.dir) if os.path.isdir(self.dir) else []:
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out.append(f"--- {name}\n{f.read()[-3000:]}")
        return "\n".join(out)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def pause(self) -> None:
        """Stop answering (SIGSTOP), as a Placement that is down."""
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.proc.pid, signal.SIGCONT)

    # ---- what Nova does ---------------------------------------------------------------
    def request(self, method: str, path: str, json: Any = None, **kw: Any) -> requests.Response:
        headers = {"X-Auth-Token": self.token, "OpenStack-API-Version": MICROVERSION,
                   "Accept": "application/json", **kw.pop("headers", {})}
        return requests.request(method, self.url + path, json=json, headers=headers, timeout=30,
                                **kw)

    def get(self, path: str, **kw: Any) -> Any:
        r = self.request("GET", path, **kw)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def create_compute_node(self, hostname: str, vcpus: int = 0) -> str:
        """The root provider Nova's compute service creates for a hypervisor (with
        ``vcpus`` VCPU inventory when given)."""
        rp_uuid = str(uuid.uuid4())
        r = self.request("POST", "/resource_providers", {"name": hostname, "uuid": rp_uuid})
        assert r.status_code == 200, r.text
        if vcpus:
            r = self.request("PUT", f"/resource_providers/{rp_uuid}/inventories", {
                "resource_provider_generation": r.json()["generation"],
                "inventories": {"VCPU": {"total": vcpus}}})
            assert r.status_code == 200, r.text
        return rp_uuid

    def provider(self, name: str) -> dict | None:
        found = self.get("/resource_providers", params={"name": name})["resource_providers"]
        return found[0] if found else None

    def traits(self, rp_uuid: str) -> set[str]:
        return set(self.get(f"/resource_providers/{rp_uuid}/traits")["traits"])

    def inventories(self, rp_uuid: str) -> dict:
        return self.get(f"/resource_providers/{rp_uuid}/inventories")["inventories"]

    def allocation_candidates(self, request_groups: list[dict], same_subtree: list[str],
                              flavor: dict | None = None) -> dict:
        """GET /allocation_candidates for a port's resource_request, each request group
        a suffixed group as Nova makes it, beside the flavor's resources (unsuffixed)."""
        params: list[tuple[str, str]] = []
        if flavor:
            params.append(("resources", ",".join(f"{rc}:{n}" for rc, n in sorted(flavor.items()))))
        suffixes = []
        for i, group in enumerate(request_groups):
            suffix = f"_port{i}"
            suffixes.append(suffix)
            params.append((f"resources{suffix}", ",".join(
                f"{rc}:{amount}" for rc, amount in sorted(group["resources"].items()))))
            if group.get("required"):
                params.append((f"required{suffix}", ",".join(group["required"])))
        if len(suffixes) > 1:
            params.append(("same_subtree", ",".join(suffixes)))
        params.append(("group_policy", "none"))
        return self.get("/allocation_candidates", params=params)

    def allocate(self, consumer: str, allocation_request: dict, project_id: str,
                 user_id: str) -> None:
        body = {**allocation_request, "project_id": project_id, "user_id": user_id,
                "consumer_generation": None, "consumer_type": "INSTANCE"}
        r = self.request("PUT", f"/allocations/{consumer}", body)
        assert r.status_code == 204, r.text

    def allocations(self, consumer: str) -> dict:
        """{provider: {resource class: amount}} of a consumer."""
        found = self.get(f"/allocations/{consumer}")["allocations"]
        return {rp: a["resources"] for rp, a in found.items()}


@pytest.fixture(scope="session")
def placement():
    p = started(Placement(), "Placement")
    yield p
    p.stop()


@pytest.fixture(scope="session")
def placement_keystone(keystone):
    p = Placement(keystone=keystone)
    try:
        p.start()
    except Exception as err:  # noqa: BLE001
        log = p.log()
        p.stop()
        unavailable(f"cannot start Placement behind Keystone: {err}\n{log}")
    yield p
    p.stop()

"""A real Keystone for the identity tests, started by the test suite.

``Keystone`` writes a keystone.conf in a temporary directory (SQLite database,
fernet tokens), runs ``keystone-manage`` db_sync, fernet_setup,
credential_setup and bootstrap, then serves Keystone's WSGI application
(``keystone.wsgi.api:application``) under gunicorn on a free loopback port.
Through openstacksdk's identity API it then adds what a cloud has: a
``service`` project with the ``neutron`` service user (role ``service``, used
by keystonemiddleware), the network service in the catalog, and two projects
each with a member and a reader.

Fixtures (registered by tests/conftest.py): ``keystone`` (one per test
process) and ``keystone_server``, a Neutrino server with auth_strategy =
keystone whose URL is the network endpoint of the catalog.
"""
from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import pytest
import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests.support.postgres import free_port
from tests.support.requirements import started
from tests.support.server import VENV_BIN, ServerProcess

REGION = "RegionOne"
DOMAIN = "default"

_KEYSTONE_CONF = """\
[DEFAULT]
log_file = {dir}/keystone.log
[database]
connection = sqlite:///{dir}/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = {dir}/fernet-keys
[fernet_receipts]
key_repository = {dir}/fernet-receipts
[credential]
key_repository = {dir}/credential-keys
[identity]
# bcrypt's cheapest cost: the suite authenticates often and guards no real secret.
password_hash_rounds = 4
"""

# Keystone reads its configuration from OS_KEYSTONE_CONFIG_DIR, and parses
# sys.argv with oslo.config: gunicorn therefore runs without arguments and
# takes its settings from ./gunicorn.conf.py.
_GUNICORN_CONF = """\
wsgi_app = "keystone.wsgi.api:application"
bind = "127.0.0.1:{port}"
workers = 1
threads = {threads}
worker_class = "gthread"
control_socket_disable = True
raw_env = ["OS_KEYSTONE_CONFIG_DIR={dir}"]
errorlog = "{dir}/gunicorn.log"
"""


@dataclass
class User:
    name: str
    password: str
    project_name: str
    id: str = ""
    project_id: str = ""
    roles: tuple[str, ...] = ()

    def connect_args(self, auth_url: str) -> dict:
        """Arguments for ``openstack.connect``: password authentication, project scope."""
        return {"auth_url": auth_url, "username": self.name, "password": self.password,
                "project_name": self.project_name, "user_domain_id": DOMAIN,
                "project_domain_id": DOMAIN, "region_name": REGION}

    def environ(self, auth_url: str) -> dict:
        """OS_* variables for the ``openstack`` command."""
        return {"OS_AUTH_URL": auth_url, "OS_USERNAME": self.name, "OS_PASSWORD": self.password,
                "OS_PROJECT_NAME": self.project_name, "OS_USER_DOMAIN_ID": DOMAIN,
                "OS_PROJECT_DOMAIN_ID": DOMAIN, "OS_REGION_NAME": REGION,
                "OS_IDENTITY_API_VERSION": "3", "OS_INTERFACE": "public"}


@dataclass
class Project:
    name: str
    id: str
    member: User
    reader: User


@dataclass
class Keystone:
    """One private Keystone: its URLs, the users the tests act as, the projects."""

    dir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="neutrino-ks-"))
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    admin: User | None = None
    service_user: User | None = None
    projects: dict[str, Project] = field(default_factory=dict)
    network_service_id: str = ""
    # More keystone.conf (e.g. a [cache] section), and the roles of the neutron service user.
    extra_conf: str = ""
    service_roles: tuple[str, ...] = ("service",)
    # Keystone's SQLite answers "database is locked" to concurrent writers: under
    # Tempest's load (users created and logged in all the time), one thread.
    threads: int = 8

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return self.url + "/v3"

    # ---- lifecycle ------------------------------------------------------------------
    def start(self, timeout: float = 180) -> Keystone:
        conf = os.path.join(self.dir, "keystone.conf")
        with open(conf, "w") as f:
            f.write(_KEYSTONE_CONF.format(dir=self.dir) + self.extra_conf)
        owner = ["--keystone-user", pwd.getpwuid(os.getuid()).pw_name,
                 "--keystone-group", grp.getgrgid(os.getgid()).gr_name]
        # The key repositories do not touch the database: set them up meanwhile.
        self._manage_all(conf, [["db_sync"], ["fernet_setup", *owner],
                                ["credential_setup", *owner]])
        self.admin = User("admin", secrets.token_hex(12), "admin")
        self._manage_all(conf, [[
            "bootstrap", "--bootstrap-password", self.admin.password,
            "--bootstrap-username", "admin", "--bootstrap-project-name", "admin",
            "--bootstrap-role-name", "admin", "--bootstrap-service-name", "keystone",
            "--bootstrap-region-id", REGION, "--bootstrap-public-url", self.auth_url,
            # keystonemiddleware talks to the internal identity endpoint by default.
            "--bootstrap-internal-url", self.auth_url]])
        with open(os.path.join(self.dir, "gunicorn.conf.py"), "w") as f:
            f.write(_GUNICORN_CONF.format(port=self.port, dir=self.dir, threads=self.threads))
        self.proc = subprocess.Popen(
            [os.path.join(VENV_BIN, "gunicorn")], cwd=self.dir, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr.log"), "wb"))
        self._wait(timeout)
        self._populate()
        return self

    def _manage_all(self, conf: str, commands: list[list[str]]) -> None:
        """Run keystone-manage commands in parallel; all must succeed."""
        procs = [(cmd, subprocess.Popen(
            [os.path.join(VENV_BIN, "keystone-manage"), "--config-file", conf, *cmd],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)) for cmd in commands]
        failures = []
        for cmd, proc in procs:
            out, _ = proc.communicate(timeout=300)
            if proc.returncode != 0:
                failures.append(f"keystone-manage {cmd[0]} exited {proc.returncode}:\n"
                                f"{out.decode(errors='replace')[-3000:]}")
        if failures:
            raise RuntimeError("\n".join(failures))

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Keystone exited early:\n{self.log()}")
            try:
                if requests.get(self.auth_url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"Keystone did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        out = []
        for name in ("stderr.log", "gunicorn.log", "keystone.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
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

    # ---- the cloud's identities -----------------------------------------------------
    def admin_connection(self):
        import openstack
        return openstack.connect(load_yaml_config=False, load_envvars=False,
                                 **self.admin.connect_args(self.auth_url))

    def _populate(self) -> None:
        conn = self.admin_connection()
        try:
            idp = conn.identity
            roles = {r.name: r.id for r in idp.roles()}
            for prior, implied in (("admin", "manager"), ("manager", "member"),
                                   ("member", "reader")):
                self._ensure_implied(idp, roles, prior, implied)
            admin_project = idp.find_project("admin", domain_id=DOMAIN)
            self.admin.id = idp.find_user("admin", domain_id=DOMAIN).id
            self.admin.project_id = admin_project.id
            self.admin.roles = ("admin",)
            service = idp.create_project(name="service", domain_id=DOMAIN)
            self.service_user = self._user(idp, roles, "neutron", service, *self.service_roles)
            for name in ("project-a", "project-b"):
                project = idp.create_project(name=name, domain_id=DOMAIN)
                self.projects[name] = Project(
                    name, project.id,
                    member=self._user(idp, roles, name + "-member", project, "member"),
                    reader=self._user(idp, roles, name + "-reader", project, "reader"))
            self.network_service_id = idp.create_service(name="neutron", type="network",
                                                         description="Neutrino").id
        finally:
            conn.close()

    @staticmethod
    def _ensure_implied(idp, roles: dict, prior: str, implied: str) -> None:
        if prior not in roles:
            roles[prior] = idp.create_role(name=prior).id
        if implied not in roles:
            roles[implied] = idp.create_role(name=implied).id
        path = f"/roles/{roles[prior]}/implies/{roles[implied]}"
        if idp.get(path, raise_exc=False).status_code == 404:
            resp = idp.put(path, raise_exc=False)
            assert resp.status_code == 201, resp.text

    @staticmethod
    def _user(idp, roles: dict, name: str, project, *role_names: str) -> User:
        user = User(name, secrets.token_hex(12), project.name, project_id=project.id,
                    roles=role_names)
        user.id = idp.create_user(name=name, password=user.password, domain_id=DOMAIN,
                                  default_project_id=project.id).id
        for role in role_names:
            idp.assign_project_role_to_user(project.id, user.id, roles[role])
        return user

    def register_network_endpoint(self, url: str) -> None:
        """The catalog's network endpoint (public and internal) is ``url``."""
        conn = self.admin_connection()
        try:
            for interface in ("public", "internal"):
                conn.identity.create_endpoint(service_id=self.network_service_id,
                                              interface=interface, url=url, region_id=REGION)
        finally:
            conn.close()

    def authtoken_conf(self) -> str:
        """Neutrino configuration: auth_strategy = keystone, validating with this Keystone."""
        svc = self.service_user
        return ("auth_strategy = keystone\n"
                "[keystone_authtoken]\n"
                f"www_authenticate_uri = {self.auth_url}\n"
                f"auth_url = {self.auth_url}\n"
                "auth_type = password\n"
                f"username = {svc.name}\n"
                f"password = {svc.password}\n"
                f"project_name = {svc.project_name}\n"
                f"user_domain_id = {DOMAIN}\n"
                f"project_domain_id = {DOMAIN}\n"
                f"region_name = {REGION}\n"
                "service_token_roles_required = true\n")

    # ---- tokens -----------------------------------------------------------------------
    def session(self, user: User) -> ks_session.Session:
        """A keystoneauth session for ``user`` (it re-authenticates when its token expires)."""
        auth = v3.Password(auth_url=self.auth_url, username=user.name, password=user.password,
                           user_domain_id=DOMAIN, project_name=user.project_name,
                           project_domain_id=DOMAIN)
        return ks_session.Session(auth=auth)

    def token(self, user: User) -> str:
        return self.session(user).get_token()


class TokenAuth(requests.auth.AuthBase):
    """requests auth: the current token of a keystoneauth session in X-Auth-Token."""

    def __init__(self, session: ks_session.Session) -> None:
        self.session = session

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["X-Auth-Token"] = self.session.get_token()
        return r


@pytest.fixture(scope="session")
def keystone():
    ks = started(Keystone(), "Keystone")
    yield ks
    ks.stop()


@pytest.fixture(scope="session")
def keystone_server(keystone):
    """Neutrino with auth_strategy = keystone, in the catalog as the network endpoint.

    Its port is chosen first, so the endpoint is registered before it starts.
    """
    server = ServerProcess(extra_conf=keystone.authtoken_conf())
    keystone.register_network_endpoint(server.url)
    server.start()
    yield server
    server.stop()

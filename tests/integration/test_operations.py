"""Operating the service: SIGHUP reloads mutable options, `neutrino serve` sets up
clouds.yaml for the CLI and stops on Ctrl-C, production WSGI under gunicorn on
PostgreSQL after `neutrino db upgrade`, and the configuration sample."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import requests

from tests.support.client import Client
from tests.support.postgres import free_port
from tests.support.server import ServerProcess

BIN = os.path.dirname(sys.executable)


def wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_sighup_applies_a_mutable_option_without_restart():
    server = ServerProcess().start()
    try:
        admin = Client(server.url)
        net = admin.network()
        for _ in range(3):
            admin.port(net["id"])
        listed = admin.get("/v2.0/ports", params={"network_id": net["id"]})
        assert len(listed.json["ports"]) == 3 and "ports_links" not in listed.json
        master = server.proc.pid
        server.write_conf("pagination_max_limit = 2")
        server.signal(signal.SIGHUP)

        def capped() -> bool:
            r = admin.get("/v2.0/ports", params={"network_id": net["id"]})
            return r.status == 200 and len(r.json["ports"]) == 2 and "ports_links" in r.json
        assert wait_for(capped), server.log()
        assert server.proc.poll() is None and server.proc.pid == master
    finally:
        server.stop()


def test_serve_writes_clouds_yaml_that_the_openstack_cli_uses(tmp_path):
    server = ServerProcess(home=str(tmp_path)).start()
    try:
        clouds = tmp_path / ".config" / "openstack" / "clouds.yaml"
        assert clouds.exists()
        env = {**os.environ, "HOME": str(tmp_path)}
        env.pop("OS_CLIENT_CONFIG_FILE", None)
        name = "cli-" + uuid.uuid4().hex[:6]
        out = subprocess.run([os.path.join(BIN, "openstack"), "--os-cloud", "neutrino",
                              "network", "create", name, "-f", "json"],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["name"] == name
        listed = subprocess.run([os.path.join(BIN, "openstack"), "--os-cloud", "neutrino",
                                 "network", "list", "-f", "json"],
                                env=env, capture_output=True, text=True, timeout=60)
        assert name in [n["Name"] for n in json.loads(listed.stdout)]
        server.signal(signal.SIGINT)  # Ctrl-C
        assert server.proc.wait(15) == 0
    finally:
        server.stop()


def test_db_upgrade_then_gunicorn_workers_serve_the_wsgi_application(postgres, tmp_path):
    url = postgres.create_database("wsgi_" + uuid.uuid4().hex[:8])
    conf = tmp_path / "neutrino.conf"
    conf.write_text(f"[database]\nconnection = {url}\n")
    up = subprocess.run([os.path.join(BIN, "neutrino"), "db", "upgrade", "--config-file",
                         str(conf)], capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    assert up.stdout.strip().splitlines()[-1] != "(empty)"
    port = free_port()
    proc = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                             "--no-control-socket", "--graceful-timeout", "3",
                             "neutrino.api.wsgi:application"],
                            env={**os.environ, "NEUTRINO_CONFIG_FILES": str(conf)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"

        def up_() -> bool:
            try:
                return requests.get(base + "/", timeout=1).status_code == 200
            except (requests.ConnectionError, requests.Timeout):  # the first request builds the app
                return False
        assert wait_for(up_, 30)
        admin = Client(base)
        net = admin.network()
        assert admin.show("networks", net["id"])["name"] == net["name"]
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def test_config_sample_documents_the_options():
    out = subprocess.run([os.path.join(BIN, "neutrino"), "config", "sample"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "[database]" in out.stdout and "[ml2_type_vxlan]" in out.stdout
    assert "#pagination_max_limit = -1" in out.stdout
    assert "Note: This option can be changed without restarting." in out.stdout

"""Quota defaults come from [quotas] in the configuration: documented in the sample,
and changed by SIGHUP without a restart."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import psutil

from tests.support.client import Client
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

BIN = os.path.dirname(sys.executable)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_sighup_applies_a_changed_default_quota_without_restart():
    server = ServerProcess().start()
    try:
        admin = Client(server.url)
        project = uuid.uuid4().hex
        assert admin.get(f"/v2.0/quotas/{project}/default").json["quota"]["network"] == 100
        master = server.proc.pid
        old_workers = [c.pid for c in psutil.Process(master).children()]
        assert old_workers
        server.write_conf("[quotas]\nquota_network = 2\n")
        server.signal(signal.SIGHUP)
        # Once every worker from before the reload is gone, all requests see the new value.
        assert wait_for(lambda: not any(_running(p) for p in old_workers)), server.log()
        assert admin.get(f"/v2.0/quotas/{project}/default").json["quota"]["network"] == 2
        assert admin.get(f"/v2.0/quotas/{project}").json["quota"]["network"] == 2
        admin.network(project_id=project)
        admin.network(project_id=project)
        r = admin.post("/v2.0/networks", {"network": {"project_id": project}})
        assert r.status == 409 and r.error_type == "OverQuota"
        assert server.proc.poll() is None and server.proc.pid == master
    finally:
        server.stop()


def test_config_sample_documents_the_quota_defaults():
    out = subprocess.run([os.path.join(BIN, "neutrino"), "config", "sample"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    section = out.stdout.split("[quotas]", 1)[1]
    for line in ("#quota_network = 100", "#quota_subnet = 100", "#quota_port = 500",
                 "#quota_router = 10", "#quota_floatingip = 50", "#quota_security_group = 10",
                 "#quota_security_group_rule = 100", "#quota_rbac_policy = 10",
                 "#quota_subnetpool = -1", "#default_quota = -1"):
        assert line in section

"""OpenStack Tempest's network API tests against a real Neutrino, started by the suite.

Tempest 47.0.0 and neutron-tempest-plugin 3.3.0 live in their own virtualenv
(``.venv-tempest``, made by ``make tempest-venv``; their pins clash with ours).
``TempestRun`` writes a workspace (``.tempest/`` at the top of the repository: the
tempest.conf, Tempest's log, the subunit stream and results.jsonl stay there for
reading after the run), then runs ``tempest run`` on ``tempest.api.network`` and
``neutron_tempest_plugin.api`` (no scenario tests) with concurrency 2.

The setting is what makes it fit a 2-core machine: Tempest creates and logs in
hundreds of users (Keystone with cheap bcrypt and an in-memory cache), and
Neutrino runs one worker with one thread (SQLite: concurrent write transactions
fail with "database is locked").
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.client import Client

REPO = Path(__file__).resolve().parents[2]
TEMPEST_VENV = Path(os.environ.get("NEUTRINO_TEMPEST_VENV", REPO / ".venv-tempest"))
WORKSPACE = REPO / ".tempest"
RESULTS = WORKSPACE / "results.jsonl"
TESTS_REGEX = r"^(tempest\.api\.network|neutron_tempest_plugin\.api)\."
# A developer's subset (docs/conformance.md, "Running a subset"): a regular expression
# of test ids, e.g. 'test_dhcp_ipv6\.NetworksTestDHCPv6\.test_dhcp_stateful'.
SUBSET_REGEX = os.environ.get("NEUTRINO_TEMPEST_REGEX") or None
SUBSET_MARK = WORKSPACE / "subset"
CONCURRENCY = 2

# Keystone for Tempest: dynamic credentials authenticate constantly; the cache keeps
# token validation and role look-ups off the database.
KEYSTONE_CACHE_CONF = """\
[cache]
enabled = true
backend = dogpile.cache.memory
"""

PUBLIC_NETWORK = "public"
PUBLIC_SUBNETS = (("4", "172.24.4.0/24"), ("6", "2001:db8:ffff::/64"))

_TEMPEST_CONF = """\
[DEFAULT]
log_dir = {workspace}
log_file = tempest.log
[auth]
use_dynamic_credentials = true
create_isolated_networks = false
admin_username = {admin.name}
admin_password = {admin.password}
admin_project_name = {admin.project_name}
admin_domain_name = Default
default_credentials_domain_name = Default
[identity]
uri_v3 = {auth_url}
auth_version = v3
region = RegionOne
[identity-feature-enabled]
api_v2 = false
[enforce_scope]
neutron = true
[network]
public_network_id = {public_network_id}
floating_network_name = {public_network}
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
project_network_v6_cidr = 2001:db8::/48
project_network_v6_mask_bits = 64
[network-feature-enabled]
ipv6 = true
ipv6_subnet_attributes = true
api_extensions = {extensions}
[neutron_plugin_options]
# The zone the suite's agent reports with its DHCP and L3 records ([agent] availability_zone).
agent_availability_zone = nova
# The server's default type drivers and VLAN range (physnet1:1000:1999): the provider
# network tests (trunk MTUs and inherit, admin networks and ports) run instead of skipping.
available_type_drivers = flat,vlan,vxlan,geneve
provider_vlans = physnet1
[service_available]
neutron = true
nova = false
glance = false
cinder = false
swift = false
horizon = false
[validation]
run_validation = false
"""


def tempest_bin(name: str) -> Path:
    return TEMPEST_VENV / "bin" / name


def missing_install() -> str:
    """Why Tempest cannot run here, or "" when its virtualenv is installed."""
    if not tempest_bin("tempest").exists():
        return f"Tempest is not installed in {TEMPEST_VENV} (make tempest-venv)"
    return ""


def create_public_network(admin: Client) -> str:
    """The external network floating IPs come from: flat, IPv4 and IPv6, no DHCP."""
    r = admin.post("/v2.0/networks", {"network": {
        "name": PUBLIC_NETWORK, "router:external": True, "shared": False,
        "provider:network_type": "flat", "provider:physical_network": PUBLIC_NETWORK}})
    assert r.status == 201, r
    net_id = r.json["network"]["id"]
    for version, cidr in PUBLIC_SUBNETS:
        r = admin.post("/v2.0/subnets", {"subnet": {
            "network_id": net_id, "ip_version": int(version), "cidr": cidr,
            "name": f"{PUBLIC_NETWORK}-v{version}", "enable_dhcp": False}})
        assert r.status == 201, r
    return net_id


@dataclass
class TempestResult:
    returncode: int
    seconds: float
    lines: list[str]  # subunit_results.py's JSON lines


class TempestRun:
    """One Tempest workspace and run against ``neutrino_url`` with ``keystone``'s users."""

    def __init__(self, keystone, admin: Client, timeout: float = 3600) -> None:
        self.keystone = keystone
        self.admin = admin
        self.timeout = timeout

    def write_workspace(self) -> None:
        shutil.rmtree(WORKSPACE, ignore_errors=True)
        (WORKSPACE / "etc").mkdir(parents=True)
        if SUBSET_REGEX:  # tools/tempest-expected must not rewrite the list from a subset
            SUBSET_MARK.write_text(SUBSET_REGEX + "\n")
        # Tempest reads tempest.conf from etc/ of the directory it runs in.
        aliases = sorted(e["alias"] for e in self.admin.get("/v2.0/extensions").json["extensions"])
        (WORKSPACE / "etc" / "tempest.conf").write_text(_TEMPEST_CONF.format(
            workspace=WORKSPACE, admin=self.keystone.admin, auth_url=self.keystone.auth_url,
            public_network=PUBLIC_NETWORK, public_network_id=create_public_network(self.admin),
            extensions=",".join(aliases)))
        # stestr discovers Tempest's tests and every installed plugin's from here; the
        # tests of a class run in one worker, one after the other, as Tempest's own
        # .stestr.conf has it (group_regex): a class's tests may share its resources
        # (the network segment range tests each make the same range, for example).
        discover = subprocess.run(
            [str(tempest_bin("python")), "-c",
             "import os, tempest.test_discover as d; print(os.path.dirname(d.__file__))"],
            check=True, capture_output=True, text=True).stdout.strip()
        (WORKSPACE / ".stestr.conf").write_text(
            f"[DEFAULT]\ntest_path={discover}\ntop_dir={Path(discover).parents[1]}\n"
            "group_regex=([^\\.]*\\.)*\n")

    def run(self) -> TempestResult:
        self.write_workspace()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "PYTHON"))}
        env["PATH"] = f"{TEMPEST_VENV / 'bin'}:{env.get('PATH', '')}"
        started = time.monotonic()
        with open(WORKSPACE / "tempest-run.log", "wb") as log:
            proc = subprocess.run(
                [str(tempest_bin("tempest")), "run", "--regex", SUBSET_REGEX or TESTS_REGEX,
                 "--concurrency", str(CONCURRENCY)],
                cwd=WORKSPACE, env=env, stdout=log, stderr=subprocess.STDOUT,
                timeout=self.timeout)
        seconds = time.monotonic() - started
        subunit = subprocess.run([str(tempest_bin("stestr")), "last", "--subunit"],
                                 cwd=WORKSPACE, env=env, capture_output=True).stdout
        (WORKSPACE / "run.subunit").write_bytes(subunit)
        parsed = subprocess.run(
            [str(tempest_bin("python")), str(REPO / "tests" / "conformance" / "subunit_results.py")],
            input=subunit, capture_output=True, check=True).stdout.decode()
        RESULTS.write_text(parsed)
        return TempestResult(proc.returncode, seconds, parsed.splitlines())

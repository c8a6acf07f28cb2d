"""[agent] options: the host agent (`neutrino agent`), and [agent_auth] for its credentials.

[agent_auth] holds keystoneauth1's auth plugin and session options (``auth_type =
password``, ``auth_url``, ``username``, ...), registered when keystoneauth1 is
installed (the ``agent`` extra brings it). Without ``auth_type`` the agent sends no
token, which a noauth server accepts from loopback only.
"""
from __future__ import annotations

import socket

from oslo_config import cfg

AUTH_GROUP = "agent_auth"

OPTS = [
    cfg.StrOpt("host", default=socket.gethostname(), sample_default="<the machine's hostname>",
               help="This host's name, as ports name it in binding:host_id (Nova's host)."),
    cfg.URIOpt("server_url", default="http://127.0.0.1:9696", schemes=["http", "https"],
               help="The Neutrino API server the agent registers with and watches."),
    cfg.StrOpt("ovsdb_connection", default="unix:/var/run/openvswitch/db.sock",
               help="OVSDB of the local Open vSwitch (unix:PATH or tcp:HOST:PORT)."),
    cfg.StrOpt("ovs_rundir", default="/var/run/openvswitch",
               help="Where ovs-vswitchd puts <bridge>.mgmt; OpenFlow goes through "
                    "unix:<ovs_rundir>/<integration_bridge>.mgmt."),
    cfg.StrOpt("integration_bridge", default="br-int",
               help="The bridge VMs are plugged into (created if missing, fail mode secure)."),
    cfg.DictOpt("bridge_mappings", default={},
                help="physical network:bridge pairs for flat and VLAN networks, e.g. "
                     "physnet1:br-phys; each bridge is created if missing and patched to br-int."),
    cfg.ListOpt("tunnel_types", default=[], item_type=cfg.types.String(choices=["vxlan", "geneve"]),
                help="Tunnel types this host terminates (vxlan, geneve); a port of a tunnelled "
                     "network binds here only if its type is listed."),
    cfg.HostAddressOpt("tunneling_ip",
                       help="This host's tunnel endpoint address (local_ip of its VXLAN/Geneve "
                            "ports); needed with tunnel_types."),
    cfg.StrOpt("datapath_type", default="netdev", choices=["netdev", "system"],
               help="Datapath of the bridges the agent creates: netdev (userspace, needs no "
                    "kernel module) or system (the kernel module)."),
    cfg.FloatOpt("report_interval", default=30.0, min=0.1,
                 help="Seconds between heartbeats; the server's agent_down_time should be "
                      "at least twice this."),
    cfg.BoolOpt("dhcp", default=False,
                help="Serve DHCP for networks the server schedules to this host (dnsmasq); "
                     "the agent then also registers a 'DHCP agent'."),
    cfg.BoolOpt("l3", default=False,
                help="Carry routers the server schedules to this host (router namespaces, "
                     "NAT with nftables); the agent then also registers an 'L3 agent'."),
    cfg.IntOpt("dhcp_lease_duration", default=86400, min=60,
               help="Seconds a DHCP lease lasts (dnsmasq's lease time)."),
    cfg.ListOpt("dnsmasq_dns_servers", default=[],
                help="Upstream DNS servers dnsmasq forwards to; none: it answers only for "
                     "the network's own names."),
    cfg.StrOpt("dnsmasq_user",
               help="User dnsmasq runs as; unset: dnsmasq's own default (it drops root). It "
                    "must be able to read the files under state_path/dhcp."),
    cfg.BoolOpt("dnsmasq_log_dhcp", default=False,
                help="Log every DHCP exchange (dnsmasq --log-dhcp) in "
                     "state_path/dhcp/<network id>/log."),
    cfg.StrOpt("availability_zone", default="nova",
               help="Availability zone reported with the DHCP agent record."),
    cfg.StrOpt("state_path", default="/var/lib/neutrino-agent",
               help="Where the agent keeps its status file (status.json) and DHCP files."),
    cfg.FloatOpt("full_resync_interval", default=60.0, min=1.0,
                 help="Seconds between full resyncs: dumping the installed flows instead of "
                      "trusting what the agent believes it applied."),
    cfg.FloatOpt("watch_timeout", default=30.0, min=1.0,
                 help="Seconds one long-poll of the feed waits for a change."),
    cfg.FloatOpt("max_backoff", default=10.0, min=0.1,
                 help="Longest wait between attempts to reach a lost server."),
    cfg.StrOpt("log_file",
               help="Append the agent's log here instead of writing it to stderr."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group="agent")


def register_auth(conf: cfg.ConfigOpts) -> bool:
    """[agent_auth]: keystoneauth1's options; False when keystoneauth1 is not installed."""
    try:
        from keystoneauth1 import loading
    except ImportError:
        return False
    if AUTH_GROUP not in conf or "auth_type" not in conf[AUTH_GROUP]:
        loading.register_auth_conf_options(conf, AUTH_GROUP)
        loading.register_session_conf_options(conf, AUTH_GROUP)
    return True


def auth_list_opts() -> list:
    """[agent_auth] for the sample: the plugin choice and session options (password's too)."""
    try:
        from keystoneauth1 import loading
    except ImportError:
        return []
    opts = loading.get_auth_common_conf_options() + loading.get_session_conf_options()
    return opts + loading.get_auth_plugin_conf_options("password")

"""[sriov_nic] options: the SR-IOV NIC agent (`neutrino sriov-agent`, docs/sriov.md).

The formats are Neutron's sriov_agent.ini ones. The agent also reads [agent]
(host, server_url, report_interval, state_path, watch_timeout, max_backoff,
log_file) and [agent_auth], as `neutrino agent` does.
"""
from __future__ import annotations

from oslo_config import cfg

GROUP = "sriov_nic"

OPTS = [
    cfg.ListOpt("physical_device_mappings", default=[],
                help="physnet:pf pairs, e.g. physnet1:ens5,physnet1:ens6: the PFs whose VFs "
                     "serve a physical network (several PFs per network, one network per PF)."),
    cfg.ListOpt("exclude_devices", default=[],
                help="pf:pci_address;pci_address entries: VFs the agent must never touch "
                     "(used by the host itself), e.g. ens5:0000:05:00.2;0000:05:00.3."),
    cfg.ListOpt("resource_provider_bandwidths", default=[],
                help="pf:egress_kbps:ingress_kbps entries: the bandwidth each PF offers to "
                     "Placement (either may be empty)."),
    cfg.StrOpt("backend", default="netlink", choices=["netlink", "simulated"],
               help="netlink: program the host's VFs through the kernel (needs root and "
                    "SR-IOV NICs); simulated: PFs and VFs described in simulated_state_dir "
                    "(tests, development)."),
    cfg.StrOpt("simulated_state_dir",
               help="With backend = simulated: the directory holding inventory.json, "
                    "carrier/<pf> and the vfs.json the agent writes (docs/sriov.md)."),
    cfg.FloatOpt("poll_interval", default=0.5, min=0.05,
                 help="Seconds between looks at the PFs' carriers (a change is reported "
                      "at once)."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)

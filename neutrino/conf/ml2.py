"""[ml2] and type driver options."""
from oslo_config import cfg

ML2 = [
    cfg.ListOpt("type_drivers", default=["flat", "vlan", "vxlan", "geneve"],
                help="Network types that may be created: any of flat, vlan, vxlan, geneve."),
    cfg.ListOpt("tenant_network_types", default=["vxlan"],
                help="Network types allocated for networks created without provider attributes."),
    cfg.ListOpt("mechanism_drivers", default=["openvswitch", "pseudo_agent"],
                help="Mechanism drivers that bind ports, in order: openvswitch, sriovnicswitch, "
                     "pseudo_agent (hosts an admin registered a pseudo-agent for)."),
    cfg.IntOpt("path_mtu", default=0, help="Underlay MTU for tunnels; 0 uses global_physnet_mtu."),
]
FLAT = [cfg.ListOpt("flat_networks", default=["*"],
                    help="Physical networks usable by flat networks; '*' allows any.")]
VLAN = [cfg.ListOpt("network_vlan_ranges", default=["physnet1:1000:1999"],
                    help="physnet[:min:max] entries; a range makes VLANs allocatable to tenants.")]
VXLAN = [cfg.ListOpt("vni_ranges", default=["1:10000"], help="min:max VNI ranges for tenants.")]
GENEVE = [cfg.ListOpt("vni_ranges", default=["1:10000"], help="min:max VNI ranges for tenants."),
          cfg.IntOpt("max_header_size", default=38,
                     help="Geneve encapsulation size in bytes (with options); a geneve "
                          "network's MTU is the underlay MTU less this and the outer IP header.")]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(ML2, group="ml2")
    conf.register_opts(FLAT, group="ml2_type_flat")
    conf.register_opts(VLAN, group="ml2_type_vlan")
    conf.register_opts(VXLAN, group="ml2_type_vxlan")
    conf.register_opts(GENEVE, group="ml2_type_geneve")

"""[DEFAULT] options: the API server."""
from oslo_config import cfg

OPTS = [
    cfg.StrOpt("state_path", default=".neutrino",
               help="Where the embedded SQLite database and other state live."),
    cfg.HostAddressOpt("bind_host", default="127.0.0.1", help="Address the API server binds to."),
    cfg.PortOpt("bind_port", default=9696, help="Port the API server listens on."),
    cfg.IntOpt("api_workers", default=1, min=1,
               help="Worker processes of the built-in server (`neutrino serve`)."),
    cfg.IntOpt("api_threads", default=8, min=1, help="Threads per worker process."),
    cfg.StrOpt("auth_strategy", default="noauth", choices=["noauth", "keystone"],
               help="noauth takes identity from X-Project-Id/X-Roles headers (development); "
                    "keystone validates tokens with keystonemiddleware ([keystone_authtoken])."),
    cfg.StrOpt("noauth_project_id", default="admin",
               help="Project of a noauth request that carries no identity headers."),
    cfg.BoolOpt("noauth_allow_remote", default=False,
                help="Let `neutrino serve` with auth_strategy=noauth bind to a non-loopback "
                     "bind_host. Anyone who reaches such a server is admin."),
    cfg.StrOpt("base_mac", default="fa:16:3e:00:00:00",
               help="Base MAC address; the first three octets are kept, the rest random."),
    cfg.IntOpt("mac_generation_retries", default=16, min=1,
               help="How often to retry a generated MAC that is already taken."),
    cfg.IntOpt("pagination_max_limit", default=-1, mutable=True,
               help="Largest page a list returns; -1 means no cap."),
    cfg.BoolOpt("filter_validation", default=True,
                help="Reject unknown list filters with 400 (extension filter-validation)."),
    cfg.IntOpt("max_dns_nameservers", default=5, mutable=True,
               help="Most DNS nameservers one subnet may list."),
    cfg.IntOpt("max_subnet_host_routes", default=20, mutable=True,
               help="Most host routes one subnet may carry."),
    cfg.IntOpt("max_allowed_address_pair", default=10, mutable=True,
               help="Most allowed address pairs one port may carry."),
    cfg.IntOpt("max_fixed_ips_per_port", default=16, mutable=True,
               help="Most fixed IPs one port may hold."),
    cfg.IntOpt("global_physnet_mtu", default=1500, help="MTU of the underlying physical network."),
    cfg.StrOpt("dns_domain", default="openstacklocal.",
               help="Domain used in port dns_assignment when the network has none."),
    cfg.ListOpt("default_availability_zones", default=[],
                help="Availability zones used when a network has no hints."),
    cfg.ListOpt("availability_zones", default=["nova"],
                help="Availability zones that exist (until agents report their own)."),
    cfg.StrOpt("ipam_driver", default="internal",
               help="IPAM driver: the entry point name or dotted path of an IpamDriver class."),
    cfg.ListOpt("extra_features", default=[],
                help="Modules of feature packages to run besides the in-tree ones, each "
                     "declaring FEATURE = neutrino.registry.Feature(...) (e.g. a test's or "
                     "an out-of-tree feature)."),
    cfg.IntOpt("max_routes", default=30, mutable=True,
               help="Most extra routes one router may carry."),
    cfg.BoolOpt("enable_snat_by_default", default=True,
                help="Whether a router gateway does SNAT unless its enable_snat says."),
    cfg.BoolOpt("router_distributed", default=False,
                help="Whether new routers are distributed unless their request says."),
    cfg.BoolOpt("l3_ha", default=False,
                help="Whether new routers are highly available unless their request says."),
    cfg.BoolOpt("allow_overlapping_ips", default=True,
                help="Allow overlapping subnets on different networks."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS)

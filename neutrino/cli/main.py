"""`neutrino serve | agent | sriov-agent | db upgrade | db current | config sample | policy sample`.

oslo.config options (--config-file, --config-dir) may follow the subcommand.
"""
from __future__ import annotations

import argparse
import sys

from neutrino import conf as neutrino_conf


SERVE_EPILOG = """\
address and port:
  --bind/--port if given, else bind_host/bind_port in [DEFAULT] of the config
  files, else 127.0.0.1:9696. A non-loopback address needs auth_strategy =
  keystone (or noauth_allow_remote = true).

configuration files:
  --config-file PATH (repeatable; later files override earlier ones) and
  --config-dir DIR (every *.conf in it, after the files). Without them no file
  is read and every option has its default: SQLite in .neutrino/neutrino.db,
  no authentication. `neutrino config sample` prints every option.

examples:
  neutrino serve --port 9697
  neutrino serve --config-file /etc/neutrino/neutrino.conf --bind 0.0.0.0
"""


AGENT_EPILOG = """\
configuration files:
  --config-file PATH (repeatable) and --config-dir DIR, as for serve. The
  agent reads [agent] (host, server_url, integration_bridge, bridge_mappings,
  tunnel_types, tunneling_ip, datapath_type, report_interval, dhcp,
  state_path, ...) and [agent_auth] (keystoneauth1: auth_type = password,
  auth_url, username, ...) when the server uses Keystone.

example:
  neutrino agent --config-file /etc/neutrino/agent.conf
"""


SRIOV_AGENT_EPILOG = """\
configuration files:
  --config-file PATH (repeatable) and --config-dir DIR, as for agent. It reads
  [sriov_nic] (physical_device_mappings, exclude_devices,
  resource_provider_bandwidths, backend = netlink | simulated,
  simulated_state_dir), [agent] (host, server_url, report_interval,
  state_path, watch_timeout, full_resync_interval, log_file) and [agent_auth].

example:
  neutrino sriov-agent --config-file /etc/neutrino/sriov_agent.conf
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neutrino", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="migrate the database and run the API server",
        description="Migrate the database and run the API server (gunicorn).",
        epilog=SERVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--bind", metavar="HOST",
                       help="address to listen on (overrides bind_host; default 127.0.0.1)")
    serve.add_argument("--port", metavar="PORT",
                       help="port to listen on (overrides bind_port; default 9696)")
    serve.add_argument("--no-clouds-yaml", action="store_true",
                       help="do not write the 'neutrino' entry of clouds.yaml")
    serve.add_argument("--with-agent", action="store_true",
                       help="also run this host's agent (`neutrino agent`), all-in-one; "
                            "Open vSwitch is started if it is not running")
    agent = sub.add_parser(
        "agent", help="run this host's agent (Open vSwitch, DHCP)",
        description="Run this host's agent: registers with the server, converges Open vSwitch "
                    "to the host's desired state and follows the server's feed.",
        epilog=AGENT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    agent.add_argument("--start-ovs", action="store_true",
                       help="start Open vSwitch (Debian's ovs-ctl) if it is not running")
    agent.add_argument("--show-pipeline", action="store_true",
                       help="print br-int's table map and exit (needs no configuration)")
    sub.add_parser(
        "sriov-agent", help="run this host's SR-IOV NIC agent (a NIC Switch agent)",
        description="Run this host's SR-IOV NIC agent: registers a NIC Switch agent and "
                    "programs the VFs of the ports bound here (docs/sriov.md).",
        epilog=SRIOV_AGENT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.add_argument("--revision", default="head")
    config = sub.add_parser("config", help="configuration")
    config.add_argument("action", choices=["sample"])
    config.add_argument("--output", default="-", help="file to write ('-' = stdout)")
    policy = sub.add_parser("policy", help="policy in code")
    policy.add_argument("action", choices=["sample"],
                        help="print every default rule, documented (YAML, commented out)")
    policy.add_argument("--output", default="-", help="file to write ('-' = stdout)")
    args, rest = parser.parse_known_args(argv)
    if args.command == "config":
        return _config_sample(args.output)
    if args.command == "policy":
        return _policy_sample(args.output)
    conf = neutrino_conf.load(rest)
    if args.command == "db":
        return _db(conf, args)
    if args.command == "agent":
        from neutrino.cli import agent as agent_cmd
        if args.show_pipeline:
            return agent_cmd.show_pipeline()
        return agent_cmd.main(conf, start_ovs=args.start_ovs)
    if args.command == "sriov-agent":
        from neutrino.cli import sriov_agent
        return sriov_agent.main(conf)
    for option, value in (("bind_host", args.bind), ("bind_port", args.port)):
        if value is not None:
            try:
                conf.set_override(option, value)
            except ValueError as e:
                flag = "--bind" if option == "bind_host" else "--port"
                serve.error(f"{flag} {value}: {e}")
    from neutrino.cli import serve as serve_cmd
    return serve_cmd.run(conf, rest, write_clouds=not args.no_clouds_yaml,
                         with_agent=args.with_agent)


def _db(conf, args) -> int:
    from neutrino.api.app import open_database
    from neutrino.db import migration
    from neutrino.db.url import database_url
    db = open_database(conf)
    if args.action == "upgrade":
        migration.upgrade(db.engine, database_url(conf), args.revision)
    print(migration.current_revision(db.engine) or "(empty)")
    return 0


def _config_sample(output: str) -> int:
    from importlib.util import find_spec

    from oslo_config import generator
    argv = ["--namespace", "neutrino", "--namespace", "oslo.policy"]
    # keystonemiddleware documents [keystone_authtoken] under its own namespace; it comes
    # with the `keystone` extra, which the bare install (`make run`) leaves out.
    if find_spec("keystonemiddleware") is not None:
        argv += ["--namespace", "keystonemiddleware.auth_token"]
    else:
        print("neutrino config sample: [keystone_authtoken] left out; "
              "pip install 'neutrino[keystone]' to include it", file=sys.stderr)
    if output != "-":
        argv += ["--output-file", output]
    generator.main(argv)
    return 0


def _policy_sample(output: str) -> int:
    from oslo_config import cfg
    from oslo_policy import generator
    argv = ["--namespace", "neutrino"]
    if output != "-":
        argv += ["--output-file", output]
    generator.generate_sample(argv, cfg.ConfigOpts())
    return 0


if __name__ == "__main__":
    sys.exit(main())

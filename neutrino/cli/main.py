"""`neutrino serve | db upgrade | db current | config sample | policy sample`.

oslo.config options (--config-file, --config-dir) may follow the subcommand.
"""
from __future__ import annotations

import argparse
import sys

from neutrino import conf as neutrino_conf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neutrino", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database and run the API server")
    serve.add_argument("--no-clouds-yaml", action="store_true",
                       help="do not write the 'neutrino' entry of clouds.yaml")
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
    from neutrino.cli import serve as serve_cmd
    return serve_cmd.run(conf, rest, write_clouds=not args.no_clouds_yaml)


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
    from oslo_config import generator
    # keystonemiddleware documents [keystone_authtoken] under its own namespace.
    argv = ["--namespace", "neutrino", "--namespace", "oslo.policy",
            "--namespace", "keystonemiddleware.auth_token"]
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

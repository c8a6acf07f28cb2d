"""`make bench`: run every benchmark, each in a process of its own, then sum up.

    python -m bench.run              # the API, L3, agent, agent feed and end-to-end benchmarks
    python -m bench.run --only api   # just one of them
    python -m bench.run --summary    # print the table of the recorded results only

Each benchmark writes its figures to bench/results/<name>.json (committed: they
are the baselines). The summary is a Markdown table of the figures with their
targets, as bench/README.md shows it. Exit status: 0 when every benchmark ran
and met its targets, 1 when a target was missed, 2 when a benchmark could not
run (the agent benchmark needs root and Open vSwitch).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

from bench.api_bench import TARGET_MISSED

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
BENCHMARKS = ("api", "l3", "agent", "feed", "e2e", "qos", "dvr", "l3wire", "migration")


def missing_prerequisite(name: str) -> str | None:
    if name in ("agent", "e2e", "dvr", "l3wire", "migration"):
        if os.geteuid() != 0:
            return "needs root (network namespaces, Open vSwitch)"
        if not shutil.which("ovs-vswitchd"):
            return "needs Open vSwitch (ovs-vswitchd); `make debs` installs it"
    return None


def run_one(name: str) -> str:
    """Run ``bench.<name>_bench``; 'ok', 'missed' (a target) or 'failed'."""
    why = missing_prerequisite(name)
    if why:
        print(f"bench: the {name} benchmark cannot run here: {why}", file=sys.stderr)
        return "failed"
    print(f"bench: running the {name} benchmark ...", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, "-m", f"bench.{name}_bench"],
                          stdout=subprocess.DEVNULL, check=False)
    if done.returncode == 0:
        return "ok"
    return "missed" if done.returncode == TARGET_MISSED else "failed"


def load(name: str) -> dict | None:
    path = os.path.join(RESULTS, f"{name}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def _verdict(figure: dict) -> str:
    return "pass" if figure["pass"] else "**FAIL**"


def api_rows(api: dict) -> list[tuple[str, str, str, str]]:
    def seconds(figure: dict) -> str:
        return f"{figure['median_s'] * 1000:.1f} ms (server CPU {figure['server_cpu_ms']} ms)"

    rows = []
    start = api["start_to_first_answer"]
    rows.append(("server start to first answer (median of 5)", f"{start['median_s']:.2f} s",
                 start["target"], _verdict(start)))
    seq = api["port_create_sequential"]
    rows.append(("port create, 1 client, sequential", f"{seq['per_second']:.0f} /s "
                 f"(server CPU {seq['server_cpu_ms_per_create']} ms each)", seq["target"],
                 _verdict(seq)))
    conc = api["port_create_8_clients"]
    rows.append(("port create, 8 concurrent clients", f"{conc['per_second']:.0f} /s "
                 f"(server CPU {conc['server_cpu_ms_per_create']} ms each)", "", ""))
    for size in ("1000", "10000"):
        lists = api.get(f"list_{size}_ports")
        if not lists:
            continue
        for kind, label in (("full", "full"), ("filtered_by_device_id", "filtered by device_id"),
                            ("fields_id", "fields=id")):
            figure = lists[kind]
            rows.append((f"list of {int(size):,} ports, {label}", seconds(figure),
                         figure.get("target", ""), _verdict(figure) if "pass" in figure else ""))
    for key, label in (("show_port", "show a port"), ("update_port", "update a port (name)"),
                       ("delete_port", "delete a port")):
        rows.append((label, seconds(api[key]), "", ""))
    labels = {"port_create_sequential": "port create, sequential / floor POST",
              "port_create_8_clients": "port create, 8 clients / floor POST, 8 clients",
              "show_port": "show a port / floor GET of one row",
              "update_port": "update a port / floor PUT of one row",
              "delete_port": "delete a port / floor DELETE of one row",
              "list_1000_ports.full": "full list of 1,000 ports / floor list of 1,000 rows",
              "list_10000_ports.full": "full list of 10,000 ports / floor list of 10,000 rows"}
    floor = api.get("floor")
    if floor:
        rows.append(("floor (bench/floor_app.py): POST 1 client / GET one / PUT one / list 10,000",
                     f"{floor['post_sequential']['per_second']:.0f} /s / "
                     f"{floor['get_one']['median_s'] * 1000:.1f} ms / "
                     f"{floor['put_one']['median_s'] * 1000:.1f} ms / "
                     f"{floor.get('list_10000', {}).get('median_s', 0) * 1000:.1f} ms", "", ""))
    for key, entry in api.get("ratios_to_floor", {}).items():
        verdict = "" if "meets_target" not in entry else ("met" if entry["meets_target"]
                                                          else "not yet")
        cpu = f" (server CPU {entry['cpu_ratio']:.2f})" if "cpu_ratio" in entry else ""
        if "ratio_min" in entry:  # paired rounds: the median and the spread over the pairs
            cpu = (f" ({entry['ratio_min']:.2f}–{entry['ratio_max']:.2f}, "
                   f"{entry['pairs']} pairs){cpu}")
        rows.append((f"ratio to the floor: {labels.get(key, key)}", f"{entry['ratio']:.2f}{cpu}",
                     entry.get("target", ""), verdict))
    memory = api["memory_after_run"]
    rss, pss = memory["rss_mb"], memory["pss_mb"]
    rows.append(("resident memory after the run, master + worker",
                 f"{rss['total']:.0f} MB RSS ({rss['master']:.0f} + "
                 f"{' + '.join(f'{w:.0f}' for w in rss['workers'])}); "
                 f"{pss['total']:.0f} MB PSS", memory["target"], _verdict(memory)))
    return rows


def agent_rows(agent: dict) -> list[tuple[str, str, str, str]]:
    setup = agent["setup"]
    return [
        (f"agent: converge an empty host to {setup['local_ports']:,} ports "
         f"({agent['flows_installed']:,} flows)", f"{agent['converge_seconds']:.2f} s", "", ""),
        ("agent: a restarted agent's first resync", f"{agent['restart_resync_seconds']:.2f} s",
         "", ""),
        ("agent: one port added / admin down / removed (median)",
         f"{agent['port_add_seconds'] * 1000:.0f} / {agent['port_admin_down_seconds'] * 1000:.0f}"
         f" / {agent['port_remove_seconds'] * 1000:.0f} ms", "", ""),
    ]


def feed_rows(feed: dict) -> list[tuple[str, str, str, str]]:
    state, watch = feed["state_1000_ports"], feed["watch"]
    return [
        ("feed: full state of a host with 1,000 bound ports (median of 5)",
         f"{state['median_s'] * 1000:.0f} ms (server CPU {state['server_cpu_ms']} ms, "
         f"{state['bytes'] / 1e6:.1f} MB)", state["target"], _verdict(state)),
        (f"feed: {watch['watchers']} watchers, {watch['api_changes']} port creates: server CPU per "
         "delivered change", f"{watch['server_cpu_ms_per_delivered_change']} ms "
         f"({watch['deliveries_received']}/{watch['deliveries_expected']} delivered, "
         f"{watch['deliveries_to_unconcerned_hosts']} to unconcerned hosts)", "", ""),
        ("feed: API answer to watcher answer (median / p95)",
         f"{watch['delay_median_ms']} / {watch['delay_p95_ms']} ms", "", ""),
        (f"feed: server CPU while {watch['watchers']} watchers wait, nothing changes",
         f"{watch['idle_server_cpu_percent']} %", "", ""),
    ]


def e2e_rows(e2e: dict) -> list[tuple[str, str, str, str]]:
    flows, active, sync = e2e["api_to_flows"], e2e["plug_to_active"], e2e["full_sync_1000"]
    return [
        ("e2e: port create bound to a host -> its flows on a peer host's br-int "
         f"({flows['samples']} creates)", f"median {flows['median_ms']:.0f} ms, "
         f"p95 {flows['p95_ms']:.0f} ms", "", ""),
        (f"e2e: VIF plugged -> port ACTIVE in the API ({active['samples']} ports)",
         f"median {active['median_ms']:.0f} ms, p95 {active['p95_ms']:.0f} ms", "", ""),
        *[(f"e2e: {label} ({e2e[key]['samples']} samples)",
           f"median {e2e[key]['median_ms']:.0f} ms, p95 {e2e[key]['p95_ms']:.0f} ms", "", "")
          for key, label in (
              ("sg_rule_to_flows", "security group rule create -> its flow on the host of "
                                   "a VM in the group"),
              ("remote_group_member_to_flows", "a port joins a remote group -> its address's "
                                               "flow on another host"))
          if key in e2e],
        (f"e2e: full sync of one host with {sync['bound_ports']:,} bound ports "
         f"({sync['flows']:,} flows): state fetch + converge",
         f"{sync['state_fetch_seconds']:.2f} + {sync['converge_seconds']:.2f} s", "", ""),
    ]


def l3_rows(l3: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, label in (("router_create", "router create (with a gateway)"),
                       ("add_interface", "add a router interface (one router, by subnet)"),
                       ("floatingip_create", "floating IP create"),
                       ("floatingip_associate", "floating IP associate (to a port)"),
                       ("port_forwarding_create", "port forwarding create (one floating IP)")):
        figure = l3[key]
        rows.append((f"L3: {label}, 1 client, sequential", f"{figure['per_second']:.0f} /s "
                     f"(server CPU {figure['server_cpu_ms_per_operation']} ms each)", "", ""))
    listed = l3["list_1000_floatingips"]
    rows.append(("L3: list of 1,000 floating IPs (median of 5)",
                 f"{listed['median_s'] * 1000:.1f} ms (server CPU {listed['server_cpu_ms']} ms)",
                 "", ""))
    return rows


def qos_rows(qos: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, label in (("policy_create", "QoS policy create"), ("rule_create", "QoS rule create"),
                       ("port_create_without_policy", "port create, no QoS policy"),
                       ("port_create_with_policy", "port create with a QoS policy")):
        figure = qos[key]
        rows.append((f"qos: {label}, 1 client", f"{figure['per_second']:.0f} /s (server CPU "
                     f"{figure['server_cpu_ms_per_operation']} ms each)", "", ""))
    for key, label in (("placement_sync_first", "first sync"),
                       ("placement_sync_unchanged", "sync with nothing to change"),
                       ("placement_sync_changed", "sync, one device changed per agent"),
                       ("placement_sync_verify", "verifying pass"),
                       ("placement_sync_fresh_process", "sync by a process with no cache")):
        figure = qos.get(key)
        if figure:
            rows.append((f"qos: Placement {label}, {figure['agents']} agents x "
                         f"{figure['devices_per_agent']} devices", f"{figure['seconds']:.1f} s "
                         f"({figure['ms_per_agent']:.0f} ms per agent"
                         + (f", {figure['placement_calls']} Placement calls"
                            if "placement_calls" in figure else "") + ")", "", ""))
    return rows


def dvr_rows(dvr: dict) -> list[tuple[str, str, str, str]]:
    figure = dvr["add_interface_to_first_packet"]
    return [(f"dvr: add_router_interface -> first packet routed east-west between two hosts "
             f"({figure['samples']} samples)", f"median {figure['median_ms']:.0f} ms, "
             f"max {figure['max_ms']:.0f} ms", "", "")]


def l3wire_rows(wire: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, label in (("add_router_interface", "add_router_interface"),
                       ("floatingip_associate", "floating IP association"),
                       ("port_forwarding_create", "port forwarding create")):
        figure = wire[key]
        rows.append((f"L3 on the wire: {label} to first packet through (median of "
                     f"{len(figure['samples'])})", f"{figure['median_ms']} ms (max "
                     f"{figure['max_ms']} ms)", "", ""))
    resync = wire["resync_100_fips_100_forwardings"]
    rows.append((f"L3 on the wire: restarted agent's first sync, router with "
                 f"{resync['floating_ips']} floating IPs and {resync['port_forwardings']} "
                 "forwardings, namespace kept / deleted",
                 f"{resync['namespace_kept_first_sync_seconds']:.2f} / "
                 f"{resync['namespace_deleted_first_sync_seconds']:.2f} s", "", ""))
    return rows


def migration_rows(migration: dict) -> list[tuple[str, str, str, str]]:
    figure = migration["longest_silence"]
    return [(f"live migration in Nova's order: longest gap in a 10 ms ping from a third host "
             f"({figure['samples']} migrations)", f"median {figure['median_ms']:.0f} ms, "
             f"max {figure['max_ms']:.0f} ms", f"< {figure['target_ms']} ms",
             "pass" if figure["max_ms"] < figure["target_ms"] else "**FAIL**")]


def summary() -> str:
    rows: list[tuple[str, str, str, str]] = []
    api, l3, agent = load("api"), load("l3"), load("agent")
    feed, e2e = load("feed"), load("e2e")
    if api:
        rows += api_rows(api)
    if l3:
        rows += l3_rows(l3)
    if agent:
        rows += agent_rows(agent)
    if feed:
        rows += feed_rows(feed)
    if e2e:
        rows += e2e_rows(e2e)
    qos = load("qos")
    if qos:
        rows += qos_rows(qos)
    dvr = load("dvr")
    if dvr:
        rows += dvr_rows(dvr)
    wire = load("l3wire")
    if wire:
        rows += l3wire_rows(wire)
    migration = load("migration")
    if migration:
        rows += migration_rows(migration)
    lines = ["| figure | result | target | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    if api:
        m = api["machine"]
        lines += ["", f"Machine: {m['cpus']} x {m['cpu_model']}, {m['memory_gb']} GB, "
                      f"Linux {m['kernel']}, Python {m['python']}, SQLite {m['sqlite']}; "
                      f"load average during the API run {api['load_average_before'][0]} -> "
                      f"{api['load_average_after'][0]}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=BENCHMARKS)
    parser.add_argument("--summary", action="store_true",
                        help="print the table of the recorded results; run nothing")
    args = parser.parse_args(argv)
    outcomes = []
    if not args.summary:
        outcomes = [run_one(name) for name in ([args.only] if args.only else BENCHMARKS)]
    print(summary())
    if "failed" in outcomes:
        return 2
    return 1 if "missed" in outcomes else 0


if __name__ == "__main__":
    sys.exit(main())

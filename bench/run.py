"""`make bench`: run every benchmark, each in a process of its own, then sum up.

    python -m bench.run              # the API and the agent benchmarks
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
BENCHMARKS = ("api", "agent", "qos")


def missing_prerequisite(name: str) -> str | None:
    if name == "agent":
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


def qos_rows(qos: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, label in (("policy_create", "QoS policy create"), ("rule_create", "QoS rule create"),
                       ("port_create_without_policy", "port create, no QoS policy"),
                       ("port_create_with_policy", "port create with a QoS policy")):
        figure = qos[key]
        rows.append((f"qos: {label}, 1 client", f"{figure['per_second']:.0f} /s (server CPU "
                     f"{figure['server_cpu_ms_per_operation']} ms each)", "", ""))
    for key, label in (("placement_sync_first", "first sync"),
                       ("placement_sync_unchanged", "sync with nothing to change")):
        figure = qos.get(key)
        if figure:
            rows.append((f"qos: Placement {label}, {figure['agents']} agents x "
                         f"{figure['devices_per_agent']} devices", f"{figure['seconds']:.1f} s "
                         f"({figure['ms_per_agent']:.0f} ms per agent)", "", ""))
    return rows


def summary() -> str:
    rows: list[tuple[str, str, str, str]] = []
    api, agent = load("api"), load("agent")
    if api:
        rows += api_rows(api)
    if agent:
        rows += agent_rows(agent)
    qos = load("qos")
    if qos:
        rows += qos_rows(qos)
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

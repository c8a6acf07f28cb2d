"""Run one host's agent as a process: ``python -m neutrino.agent CONFIG DESIRED``.

CONFIG is a JSON ``AgentConfig``; DESIRED a JSON file in API shapes (networks,
ports, tunnel_endpoints), re-read whenever it changes. Until the server's
change feed is wired in, this file is the agent's input. ``--status`` names a
file rewritten after every sync, so tests and operators can see progress.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path

from neutrino.agent.desired import DesiredState
from neutrino.agent.openflow.pipeline import BR_INT_PIPELINE
from neutrino.agent.reconciler import Agent, AgentConfig, SyncResult


class DesiredFile:
    """Yields a DesiredState each time the file's content changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None

    def __call__(self) -> DesiredState | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        return DesiredState.from_file(self.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neutrino.agent")
    parser.add_argument("config", nargs="?", help="agent config JSON")
    parser.add_argument("desired", nargs="?", help="desired state JSON (API shapes)")
    parser.add_argument("--status", help="file rewritten with the result of every sync")
    parser.add_argument("--once", action="store_true", help="sync once and exit")
    parser.add_argument("--show-pipeline", action="store_true", help="print the table map")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    if args.show_pipeline:
        for number, stage in enumerate(BR_INT_PIPELINE):
            print(f"{number:3d}  {stage.name:20s} miss={stage.miss.value:5s} {stage.purpose}")
        return 0
    if not (args.config and args.desired):
        parser.error("config and desired are required")

    agent = Agent(AgentConfig.from_file(args.config))
    agent.start()
    history: list[dict[str, object]] = []

    def report(result: SyncResult) -> None:
        history.append(dict(result.__dict__, time=time.time()))
        if args.status:
            # The first sync after start is the resync that must not disturb traffic.
            tmp = Path(args.status + ".tmp")
            tmp.write_text(json.dumps({"pid": os.getpid(), "syncs": len(history),
                                       "first": history[0], "last": history[-1]}))
            tmp.replace(args.status)

    try:
        if args.once:
            report(agent.sync(DesiredState.from_file(args.desired)))
            return 0
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        agent.run(DesiredFile(Path(args.desired)), stop, on_sync=report)
    finally:
        agent.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

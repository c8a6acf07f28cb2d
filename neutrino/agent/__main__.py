"""``python -m neutrino.agent ...`` is ``neutrino agent ...`` (see neutrino/cli/agent.py)."""

from __future__ import annotations

import sys

from neutrino.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["agent", *sys.argv[1:]]))

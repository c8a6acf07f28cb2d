"""A real Neutrino server process (``neutrino serve``) for tests to talk HTTP to."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time

import requests

from tests.support.postgres import free_port

VENV_BIN = os.path.dirname(sys.executable)
# The repository root: feature packages under tests/ are importable by the server.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ServerProcess:
    def __init__(self, database_url: str = "", workers: int = 1, extra_conf: str = "",
                 threads: int = 8, home: str | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="neutrino-srv-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf_path = os.path.join(self.dir, "neutrino.conf")
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.home = home  # when set, `serve` writes clouds.yaml under this HOME
        self.write_conf(extra_conf)
        self.proc: subprocess.Popen | None = None

    def write_conf(self, extra: str = "") -> None:
        text = (f"[DEFAULT]\nbind_port = {self.port}\nstate_path = {self.dir}/state\n"
                f"api_workers = {self.workers}\napi_threads = {self.threads}\n{extra}\n")
        if self.database_url and "[database]" not in extra:
            text += f"[database]\nconnection = {self.database_url}\n"
        with open(self.conf_path, "w") as f:
            f.write(text)

    def start(self, timeout: float = 30, poll: float = 0.05) -> "ServerProcess":
        log = open(os.path.join(self.dir, "server.log"), "wb")
        cmd = [os.path.join(VENV_BIN, "neutrino"), "serve", "--config-file", self.conf_path]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
        if self.home:
            env["HOME"] = self.home
        else:
            cmd.insert(2, "--no-clouds-yaml")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if requests.get(self.url + "/", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass  # not listening yet, or listening while the worker still loads
            time.sleep(poll)
        self.stop()  # the caller gets no handle to stop it with
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
            return f.read()[-5000:]

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

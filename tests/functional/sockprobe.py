"""TCP/UDP probes run inside a VM namespace (python sockprobe.py ...).

    listen PROTO ADDR PORT...          echo server on each port; prints "ready"
    connect PROTO ADDR PORT [SRC]      one round trip; exit 0 if the echo came back
    session ADDR PORT                  one TCP connection kept open: every stdin
                                       line is sent and "ok"/"fail" printed for its echo
"""

from __future__ import annotations

import socket
import sys
import threading

TIMEOUT = 4.0  # generous: the shared test machine can be very loaded


def _family(addr: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def _echo_tcp(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)


def _serve(proto: str, addr: str, port: int) -> None:
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(_family(addr), kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((addr, port))
    if proto == "tcp":
        sock.listen(16)
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=_echo_tcp, args=(conn,), daemon=True).start()
    while True:
        data, peer = sock.recvfrom(4096)
        sock.sendto(data, peer)


def listen(proto: str, addr: str, ports: list[int]) -> None:
    for port in ports:
        threading.Thread(target=_serve, args=(proto, addr, port), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def connect(proto: str, addr: str, port: int, src: str | None) -> int:
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(_family(addr), kind) as sock:
        sock.settimeout(TIMEOUT)
        if src:
            sock.bind((src, 0))
        try:
            sock.connect((addr, port))
            sock.send(b"probe\n")
            return 0 if sock.recv(4096) == b"probe\n" else 1
        except OSError:
            return 1


def session(addr: str, port: int) -> None:
    with socket.create_connection((addr, port), timeout=TIMEOUT) as sock:
        print("connected", flush=True)
        for line in sys.stdin:
            try:
                sock.sendall(line.encode())
                print("ok" if sock.recv(4096) == line.encode() else "fail", flush=True)
            except OSError:
                print("fail", flush=True)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "listen":
        listen(args[0], args[1], [int(p) for p in args[2:]])
    elif mode == "connect":
        sys.exit(connect(args[0], args[1], int(args[2]), args[3] if len(args) > 3 else None))
    else:
        session(args[0], int(args[1]))

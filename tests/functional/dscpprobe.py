"""UDP probes that read the DSCP of what they receive (run inside a VM namespace).

    recv ADDR PORT SECONDS     print "<dscp>" for each datagram received on ADDR:PORT
                               (IP_RECVTOS / IPV6_RECVTCLASS: the received packet's own
                               TOS or traffic class byte), until SECONDS pass; prints
                               "ready" first
    send ADDR PORT COUNT       send COUNT datagrams to ADDR:PORT
"""

from __future__ import annotations

import socket
import sys
import time

IPV6_RECVTCLASS = getattr(socket, "IPV6_RECVTCLASS", 66)
IPV6_TCLASS = getattr(socket, "IPV6_TCLASS", 67)


def recv(addr: str, port: int, seconds: float) -> None:
    v6 = ":" in addr
    sock = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    if v6:
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVTCLASS, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    sock.bind((addr, port))
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            _, ancillary, _, _ = sock.recvmsg(2048, socket.CMSG_SPACE(4))
        except TimeoutError:
            break
        for level, kind, data in ancillary:
            if (level, kind) in ((socket.IPPROTO_IP, socket.IP_TOS),
                                 (socket.IPPROTO_IPV6, IPV6_TCLASS)):
                print(data[0] >> 2, flush=True)


def send(addr: str, port: int, count: int) -> None:
    sock = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(count):
        sock.sendto(b"dscp?", (addr, port))
        time.sleep(0.02)


if __name__ == "__main__":
    command, address, number, value = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if command == "recv":
        recv(address, number, float(value))
    else:
        send(address, number, int(value))

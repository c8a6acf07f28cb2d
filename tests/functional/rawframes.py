"""Send or capture raw Ethernet frames on an interface (run inside a namespace).

The kernel here has no 802.1Q sub-interfaces, so tagged frames are written with
a packet socket. On receive the kernel strips the outer tag into metadata; it
comes back through PACKET_AUXDATA and is printed with each frame as JSON:
``{"tpid": ..., "vid": ..., "data": hex}``.

    python rawframes.py send IFNAME HEXFRAME [HEXFRAME...]
    python rawframes.py capture IFNAME SECONDS ETHERTYPE_FILTER_HEX
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6


def send(ifname: str, frame: bytes) -> None:
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
        sock.bind((ifname, 0))
        sock.send(frame)


def capture(ifname: str, seconds: float, marker: bytes) -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((ifname, 0))
    sock.settimeout(0.2)
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(20))
        except TimeoutError:
            continue
        if marker not in data:
            continue
        tpid = vid = None
        for level, kind, raw in ancillary:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci, vlan_tpid = struct.unpack("IIIHHHH", raw[:20])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xFFF
                    tpid = vlan_tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100
        print(json.dumps({"tpid": tpid, "vid": vid, "data": data.hex()}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        for hexframe in sys.argv[3:]:
            send(sys.argv[2], bytes.fromhex(hexframe))
    else:
        capture(sys.argv[2], float(sys.argv[3]), bytes.fromhex(sys.argv[4]))

"""The agent's own OpenFlow connection to br-int, for the packets flows send it.

Flows change through ``ovs-ofctl`` bundles (``reconcile.py``); packets a flow
copies to the controller (the ``controller`` action) arrive here instead, on one
long-lived connection to the bridge's management socket. Open vSwitch treats
such a connection as a *service* connection: it gets asynchronous messages only
once it sets a nonzero ``miss_send_len``, which ``SET_CONFIG`` does right after
the hello. The bridge stays in fail mode secure and has no primary controller:
nothing here changes how packets are forwarded.

OpenFlow 1.3 framing, the few messages that matter: HELLO, ECHO (answered, so
the switch keeps us), SET_CONFIG, PACKET_IN (the flow's cookie and the packet's
first bytes); everything else is read and ignored. A lost connection is opened
again after a pause; packets copied meanwhile are lost, which costs records only.
"""
from __future__ import annotations

import logging
import socket
import struct
import threading
from collections.abc import Callable

LOG = logging.getLogger(__name__)

OFP_VERSION = 0x04  # OpenFlow 1.3
OFPT_HELLO, OFPT_ERROR, OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY = 0, 1, 2, 3
OFPT_SET_CONFIG, OFPT_PACKET_IN = 9, 10
HEADER = struct.Struct("!BBHI")
PACKET_IN = struct.Struct("!IHBBQ")  # buffer_id, total_len, reason, table_id, cookie
MISS_SEND_LEN = 0xFFFF

# (cookie of the flow that sent it, the packet's bytes as the flow saw them)
PacketHandler = Callable[[int, bytes], None]


def parse_packet_in(body: bytes) -> tuple[int, bytes]:
    """(cookie, packet data) of an OpenFlow 1.3 PACKET_IN body (after the header)."""
    _buffer, _total, _reason, _table, cookie = PACKET_IN.unpack_from(body)
    offset = PACKET_IN.size
    _match_type, match_len = struct.unpack_from("!HH", body, offset)
    offset += (match_len + 7) // 8 * 8 + 2  # the match padded to 8 bytes, then 2 of padding
    return cookie, body[offset:]


class PacketInListener(threading.Thread):
    """Reads packet-ins from ``unix:<path>`` and hands each to ``handler``."""

    def __init__(self, path: str, handler: PacketHandler, retry: float = 1.0) -> None:
        super().__init__(name="packet-in", daemon=True)
        self.path = path
        self.handler = handler
        self.retry = retry
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self.connected = threading.Event()  # set while the switch sends us packet-ins
        self.received = 0

    def stop(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
            except OSError as exc:
                if not self._stop.is_set():
                    LOG.debug("packet-in connection to %s: %s", self.path, exc)
            self.connected.clear()
            self._stop.wait(self.retry)

    def _session(self) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            self._sock = sock
            sock.connect(self.path)
            sock.sendall(HEADER.pack(OFP_VERSION, OFPT_HELLO, HEADER.size, 1))
            config = struct.pack("!HH", 0, MISS_SEND_LEN)
            sock.sendall(HEADER.pack(OFP_VERSION, OFPT_SET_CONFIG, HEADER.size + len(config), 2)
                         + config)
            reader = sock.makefile("rb")
            while not self._stop.is_set():
                header = reader.read(HEADER.size)
                if len(header) < HEADER.size:
                    return  # the switch closed the connection (restart)
                version, kind, length, xid = HEADER.unpack(header)
                body = reader.read(length - HEADER.size)
                if kind == OFPT_HELLO:
                    if version < OFP_VERSION:
                        raise OSError(f"the switch speaks OpenFlow version {version} only")
                    self.connected.set()
                elif kind == OFPT_ECHO_REQUEST:
                    sock.sendall(HEADER.pack(OFP_VERSION, OFPT_ECHO_REPLY, length, xid) + body)
                elif kind == OFPT_ERROR:
                    LOG.warning("OpenFlow error from %s: %s", self.path, body[:4].hex())
                elif kind == OFPT_PACKET_IN:
                    self.received += 1
                    try:
                        self.handler(*parse_packet_in(body))
                    except Exception:  # one odd packet must not end the connection
                        LOG.exception("packet-in not handled")

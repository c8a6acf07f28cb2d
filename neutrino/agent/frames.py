"""Ethernet frames the agent sends itself: gratuitous ARP and unsolicited neighbour
advertisements announcing an address at a MAC (router gateways on br-int, addresses
new in a router namespace). MACs as ``aa:bb:...`` text or 6 bytes."""
from __future__ import annotations

import ipaddress
import struct

ICMPV6_NA = 136
ND_OPTION_TLL = 2  # target link-layer address option


def mac_bytes(mac: str | bytes) -> bytes:
    return mac if isinstance(mac, bytes) else bytes.fromhex(mac.replace(":", ""))


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total >> 16) + (total & 0xFFFF)
    return ~total & 0xFFFF


def gratuitous_arp(mac: str | bytes, address: str) -> bytes:
    """Broadcast ARP request from ``address`` for itself."""
    src, ip = mac_bytes(mac), ipaddress.IPv4Address(address).packed
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src, ip, bytes(6), ip)
    return b"\xff" * 6 + src + b"\x08\x06" + body


def unsolicited_na(mac: str | bytes, address: str) -> bytes:
    """Neighbour advertisement of ``address`` at ``mac`` to all nodes (Router, Override)."""
    src_mac = mac_bytes(mac)
    src, dst = ipaddress.IPv6Address(address).packed, ipaddress.IPv6Address("ff02::1").packed
    body = struct.pack("!I", 0xA0000000) + src + bytes([ND_OPTION_TLL, 1]) + src_mac
    message = struct.pack("!BBH", ICMPV6_NA, 0, 0) + body
    pseudo = src + dst + struct.pack("!I3xB", len(message), 58)
    message = message[:2] + struct.pack("!H", checksum(pseudo + message)) + message[4:]
    header = struct.pack("!IHBB", 6 << 28, len(message), 58, 255) + src + dst
    return mac_bytes("33:33:00:00:00:01") + src_mac + b"\x86\xdd" + header + message

"""Ethernet frames built byte by byte, for tests that send what a well-behaved VM would not."""

from __future__ import annotations

import ipaddress
import struct

ICMPV6_RA, ICMPV6_NA = 134, 136


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total >> 16) + (total & 0xFFFF)
    return ~total & 0xFFFF


def udp_frame(src_mac: str, dst_mac: str, src_ip: str, dst_ip: str, payload: bytes,
              sport: int = 40000, dport: int = 7777) -> bytes:
    """IPv4/UDP without a UDP checksum (0 is valid in IPv4)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                         ipaddress.IPv4Address(src_ip).packed, ipaddress.IPv4Address(dst_ip).packed)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return _mac(dst_mac) + _mac(src_mac) + b"\x08\x00" + header + udp


def arp_reply(src_mac: str, dst_mac: str, sender_ip: str, target_ip: str, sha: str) -> bytes:
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, _mac(sha),
                       ipaddress.IPv4Address(sender_ip).packed, _mac(dst_mac),
                       ipaddress.IPv4Address(target_ip).packed)
    return _mac(dst_mac) + _mac(src_mac) + b"\x08\x06" + body


def icmp6_frame(src_mac: str, dst_mac: str, src_ip: str, dst_ip: str, kind: int,
                body: bytes) -> bytes:
    """IPv6/ICMPv6 with a correct checksum and hop limit 255, as ND requires."""
    src, dst = ipaddress.IPv6Address(src_ip).packed, ipaddress.IPv6Address(dst_ip).packed
    message = struct.pack("!BBH", kind, 0, 0) + body
    pseudo = src + dst + struct.pack("!I3xB", len(message), 58)
    message = message[:2] + struct.pack("!H", checksum(pseudo + message)) + message[4:]
    header = struct.pack("!IHBB", 6 << 28, len(message), 58, 255) + src + dst
    return _mac(dst_mac) + _mac(src_mac) + b"\x86\xdd" + header + message


def neighbour_advert(src_mac: str, dst_mac: str, src_ip: str, dst_ip: str, target: str) -> bytes:
    """Solicited + override NA for ``target`` with the sender's MAC as target link-layer address."""
    body = struct.pack("!I", 0x60000000) + ipaddress.IPv6Address(target).packed
    body += b"\x02\x01" + _mac(src_mac)
    return icmp6_frame(src_mac, dst_mac, src_ip, dst_ip, ICMPV6_NA, body)


def router_advert(src_mac: str, dst_mac: str, src_ip: str, dst_ip: str) -> bytes:
    body = struct.pack("!BBHII", 64, 0, 1800, 0, 0) + b"\x01\x01" + _mac(src_mac)
    return icmp6_frame(src_mac, dst_mac, src_ip, dst_ip, ICMPV6_RA, body)

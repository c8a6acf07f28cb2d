"""OpenFlow flows as values, and the cookie layout that makes them reconcilable.

A cookie is 64 bits: the top 16 bits name the owner (one per agent extension),
the low 48 bits are a fingerprint of the flow itself (table, priority, match,
actions). Two consequences we rely on:

* the owner's flows are exactly those matching ``cookie=<owner>/<owner mask>``,
  so an owner can find, diff and delete its own flows and never anybody else's;
* a flow's identity survives the round trip through OVS without parsing the
  normalised text ``ovs-ofctl dump-flows`` prints: desired and installed flows
  are compared by cookie alone.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from functools import cached_property

OWNER_BITS = 16
FINGERPRINT_BITS = 64 - OWNER_BITS
FINGERPRINT_MASK = (1 << FINGERPRINT_BITS) - 1
OWNER_MASK = ((1 << OWNER_BITS) - 1) << FINGERPRINT_BITS


def owner_cookie(owner: str) -> int:
    """Return the cookie prefix of an owner: stable across restarts, derived from its name."""
    prefix = zlib.crc32(owner.encode()) & ((1 << OWNER_BITS) - 1)
    # Prefix 0 would make the owner's flows look like flows nobody owns.
    return (prefix or 1) << FINGERPRINT_BITS


@dataclass(frozen=True)
class Flow:
    """One OpenFlow flow in ``ovs-ofctl`` syntax, tagged with its owner's cookie prefix."""

    table: int
    priority: int
    match: str
    actions: str
    owner: int = field(compare=False)

    @cached_property  # like the cookie: flows reused from sync to sync keep theirs
    def key(self) -> tuple[int, int, str]:
        """What OpenFlow considers the same flow: adding a second one replaces the first."""
        return (self.table, self.priority, self.match)

    @cached_property  # computed once: every sync indexes and diffs flows by cookie
    def cookie(self) -> int:
        text = f"{self.table}|{self.priority}|{self.match}|{self.actions}".encode()
        digest = hashlib.blake2b(text, digest_size=FINGERPRINT_BITS // 8).digest()
        return self.owner | int.from_bytes(digest, "big")

    def to_ofctl(self) -> str:
        """Render as an ``add`` line of an ``ovs-ofctl bundle`` file."""
        match = f",{self.match}" if self.match else ""
        return (f"add table={self.table},priority={self.priority},cookie={self.cookie:#x}"
                f"{match} actions={self.actions}")

"""OpenFlow meters as values, with their stable ids.

A meter is a rate limiter the switch keeps beside its flow tables; a flow uses
one with the ``meter:<id>`` action (first in its list). The userspace datapath
implements meters with one band of type ``drop`` in kbps or pktps: packets above
the rate (after the burst) are dropped. Meter ids are derived from what the meter
is for (a port and a purpose), so a restarted agent computes the same ones.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

# Ids 1..METER_SPACE (OpenFlow reserves the top of the 32-bit range); the first
# RESERVED are the fixed ones neutrino/agent/openflow/pipeline.py declares (the
# packet-log meter), the rest derived.
METER_SPACE = 65535
RESERVED = 16


@dataclass(frozen=True)
class Meter:
    id: int
    unit: str  # "kbps" or "pktps"
    rate: int  # in ``unit``
    burst: int  # kilobits (kbps) or packets (pktps)

    def to_ofctl(self) -> str:
        """The argument of ``ovs-ofctl add-meter`` / ``mod-meter``."""
        return (f"meter={self.id},{self.unit},burst,stats,"
                f"bands=type=drop,rate={self.rate},burst_size={self.burst}")


def assign_meter_ids(keys: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """A meter id per key, derived from the key (probing in key order on collision)."""
    taken: set[int] = set()
    out = {}
    for key in sorted(set(keys)):
        span = METER_SPACE - RESERVED
        candidate = zlib.crc32("|".join(key).encode()) % span + RESERVED + 1
        while candidate in taken:
            candidate = (candidate - RESERVED) % span + RESERVED + 1
        taken.add(candidate)
        out[key] = candidate
    return out

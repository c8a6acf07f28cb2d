"""IP address management: a driver interface and the default driver."""
from __future__ import annotations

from typing import Any

from neutrino.core.ipam.driver import IpamDriver, SubnetInfo
from neutrino.core.ipam.internal import InternalIpamDriver

__all__ = ["IpamDriver", "SubnetInfo", "load"]


def load(conf: Any) -> IpamDriver:
    """The configured driver: "internal", or a dotted path to an IpamDriver class."""
    name = conf.ipam_driver
    if name == "internal":
        return InternalIpamDriver()
    module, _, cls = name.rpartition(".")
    import importlib
    return getattr(importlib.import_module(module), cls)()

"""Bridges, patch ports and tunnel ports of one host, through OVSDB (ovsdbapp).

Every transaction waits until ovs-vswitchd has applied it (``next_cfg``), so
OpenFlow port numbers are known when the call returns. Ports the agent creates
are tagged ``external_ids:neutrino-owner`` so it only ever removes its own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def _import_ovs_without_eventlet() -> None:
    """Import ``ovs.poller`` with eventlet hidden.

    ovs.poller probes whether eventlet monkey-patched ``select`` by importing eventlet
    whenever it is installed (oslo.service installs it on a machine that also runs
    Keystone). That import loads eventlet into the agent, which never uses it, and
    prints an EventletDeprecationWarning before anything else, even on ``--help``.
    With ``sys.modules["eventlet"] = None`` the probe's import fails as if eventlet
    were absent; the entry is removed again so the rest of the process is unaffected.
    """
    if "eventlet" in sys.modules or "ovs.poller" in sys.modules:
        return  # someone already imported it: nothing left to avoid
    sys.modules["eventlet"] = None  # type: ignore[assignment]
    try:
        import ovs.poller  # noqa: F401
    finally:
        del sys.modules["eventlet"]


_import_ovs_without_eventlet()

from ovsdbapp.backend.ovs_idl import command, connection, idlutils  # noqa: E402
from ovsdbapp.schema.open_vswitch import impl_idl  # noqa: E402

OWNER_KEY = "neutrino-owner"
OWNER_VALUE = "agent"
IFACE_ID_KEY = "iface-id"  # set by whoever plugs the VM (Nova's os-vif convention)
DHCP_NETWORK_KEY = "neutrino-dhcp-network"  # on the agent's own DHCP ports
ROUTER_KEY = "neutrino-router"  # on the agent's own router ports (qr-/qg- veths)

# Columns ovs-vswitchd rewrites on its own, most of them every few seconds for every
# interface (statistics, link state). The agent reads none of them; left subscribed,
# a host with a thousand ports streamed them into the agent without end: the IDL thread
# decoding them (in pure Python) took the CPU a sync needed, and every update moved
# ``change_seqno``, which starts a sync.
VOLATILE_COLUMNS = {
    "Open_vSwitch": {"statistics"},
    "Bridge": {"status", "rstp_status"},
    "Port": {"statistics", "status", "rstp_statistics", "rstp_status", "bond_active_slave"},
    "Interface": {"statistics", "status", "link_state", "link_resets", "link_speed", "duplex",
                  "mtu", "admin_state", "lacp_current", "bfd_status", "cfm_fault",
                  "cfm_fault_status", "cfm_flap_count", "cfm_health", "cfm_remote_mpids",
                  "cfm_remote_opstate", "ifindex", "mac_in_use"},
}


@dataclass(frozen=True)
class Interface:
    """What the agent needs to know about one interface on a bridge."""

    name: str
    type: str
    ofport: int  # -1 when OVS could not open it
    external_ids: Mapping[str, str]
    options: Mapping[str, str]

    @property
    def iface_id(self) -> str | None:
        return self.external_ids.get(IFACE_ID_KEY)

    @property
    def owned(self) -> bool:
        return self.external_ids.get(OWNER_KEY) == OWNER_VALUE


@dataclass(frozen=True)
class TunnelPort:
    name: str
    kind: str  # vxlan | geneve
    remote_ip: str


def _scalar(value: Any, default: Any) -> Any:
    # Optional OVSDB columns come back as [] or [value].
    if isinstance(value, list):
        return value[0] if value else default
    return value


class ReadInterfaces(command.ReadOnlyCommand):
    """One bridge's interfaces with just the columns the agent uses.

    Reading the IDL rows directly (under the connection lock) instead of
    list-ifaces + db-list: with a thousand ports the generic commands' per-column
    conversions dominated the cost of a one-port change.
    """

    def __init__(self, api: Any, bridge: str) -> None:
        super().__init__(api)
        self.bridge = bridge

    def run_idl(self, txn: Any) -> None:
        br = idlutils.row_by_value(self.api.idl, "Bridge", "name", self.bridge, None)
        found = []
        port_rows = self.api.idl.tables["Port"].rows
        iface_rows = self.api.idl.tables["Interface"].rows
        for port_uuid in _column(br, "ports") if br else ():
            port = port_rows.get(port_uuid)
            for iface_uuid in _column(port, "interfaces") if port is not None else ():
                iface = iface_rows.get(iface_uuid)
                if iface is None:
                    continue
                ofport = _column(iface, "ofport")
                found.append(Interface(name=_column(iface, "name")[0],
                                       type=_column(iface, "type")[0],
                                       ofport=ofport[0] if ofport else -1,
                                       external_ids=_column(iface, "external_ids"),
                                       options=_column(iface, "options")))
        self.result = found


def _column(row: Any, name: str) -> Any:
    """A committed column of an IDL row: a list of values, or a dict for a map column.

    Read from the row's committed data: ``getattr(row, name)`` converts the whole
    datum to Python objects on every access (and rows of reference columns through
    the IDL), about 100 us a column, a third of a one-port change with 1,000 ports.
    A row with uncommitted changes (none in a read-only command) takes the slow path.
    """
    data = row._data
    if data is None or row._changes:
        value = getattr(row, name)
        if isinstance(value, dict):
            return dict(value)
        if isinstance(value, list):
            return [getattr(v, "uuid", v) for v in value]
        return [getattr(value, "uuid", value)]
    datum = data[name]
    if datum.type.is_map():
        return {k.value: v.value for k, v in datum.values.items()}
    return [k.value for k in datum.values]


class Ovsdb:
    """A connection to one host's ovsdb-server."""

    def __init__(self, endpoint: str, timeout: float = 10.0) -> None:
        helper = idlutils.get_schema_helper(endpoint, "Open_vSwitch")
        for table, spec in helper.schema_json["tables"].items():
            skip = VOLATILE_COLUMNS.get(table, set())
            helper.register_columns(table, [c for c in spec["columns"] if c not in skip])
        idl = connection.OvsdbIdl(endpoint, helper)
        self._conn = connection.Connection(idl=idl, timeout=timeout)
        # ovsdbapp keeps the connection in a class attribute (one OVSDB per process);
        # a class of our own per instance lets one process talk to several hosts.
        api_class = type("HostOvsdbIdl", (impl_idl.OvsdbIdl,), {"_ovsdb_connection": None})
        self.api = api_class(self._conn)

    def close(self) -> None:
        self._conn.stop()

    def ensure_bridge(self, name: str, datapath_type: str, *, secure: bool,
                      protocols: Iterable[str] = ()) -> None:
        """Create the bridge if missing; (re)assert its settings without touching flows."""
        columns: dict[str, Any] = {"datapath_type": datapath_type}
        if secure:
            # No NORMAL fallback flow: br-int forwards only what the agent installed.
            columns["fail_mode"] = "secure"
        if protocols:
            columns["protocols"] = list(protocols)
        with self.api.transaction(check_error=True) as txn:
            txn.add(self.api.add_br(name, may_exist=True, datapath_type=datapath_type))
            txn.add(self.api.db_set("Bridge", name, *columns.items()))

    def set_vlan_limit(self, limit: int) -> None:
        """Let OVS parse more than one VLAN header (802.1ad outer + customer tag)."""
        self.api.db_set("Open_vSwitch", ".",
                        ("other_config", {"vlan-limit": str(limit)})).execute(check_error=True)

    def interfaces(self, bridge: str) -> list[Interface]:
        return ReadInterfaces(self.api, bridge).execute(check_error=True)

    def ensure_patch_pair(self, bridge_a: str, port_a: str, bridge_b: str, port_b: str) -> None:
        """Join two bridges with a pair of patch ports (idempotent)."""
        owner = {OWNER_KEY: OWNER_VALUE}
        with self.api.transaction(check_error=True) as txn:
            txn.add(self.api.add_port(bridge_a, port_a, may_exist=True))
            txn.add(self.api.db_set("Interface", port_a, ("type", "patch"),
                                    ("options", {"peer": port_b}), ("external_ids", owner)))
            txn.add(self.api.add_port(bridge_b, port_b, may_exist=True))
            txn.add(self.api.db_set("Interface", port_b, ("type", "patch"),
                                    ("options", {"peer": port_a}), ("external_ids", owner)))

    @staticmethod
    def tunnel_ports(interfaces: Iterable[Interface]) -> dict[str, TunnelPort]:
        """The agent's own tunnel ports among a bridge's interfaces, by name."""
        return {i.name: TunnelPort(i.name, i.type, i.options.get("remote_ip", ""))
                for i in interfaces if i.owned and i.type in ("vxlan", "geneve")}

    def add_tunnel_ports(self, bridge: str, ports: Iterable[TunnelPort],
                         local_ip: str | None = None) -> None:
        """Create flow-keyed tunnel ports in one transaction."""
        ports = list(ports)
        if not ports:
            return
        with self.api.transaction(check_error=True) as txn:
            for port in ports:
                # key=flow: the VNI comes from tun_id set in the flows, one port serves
                # every network to that remote host.
                options = {"remote_ip": port.remote_ip, "key": "flow"}
                if local_ip:
                    options["local_ip"] = local_ip
                txn.add(self.api.add_port(bridge, port.name, may_exist=True))
                txn.add(self.api.db_set("Interface", port.name, ("type", port.kind),
                                        ("options", options),
                                        ("external_ids", {OWNER_KEY: OWNER_VALUE})))

    def delete_ports(self, bridge: str, names: Iterable[str]) -> None:
        names = list(names)
        if not names:
            return
        with self.api.transaction(check_error=True) as txn:
            for name in names:
                txn.add(self.api.del_port(name, bridge=bridge, if_exists=True))

    # -- DHCP ports ----------------------------------------------------------------

    def add_dhcp_port(self, bridge: str, name: str, port_id: str, mac: str, network_id: str) -> None:
        """Plug a DHCP port's veth end as Nova plugs a VM, so L2 sees it as any local port."""
        external_ids = {IFACE_ID_KEY: port_id, "attached-mac": mac, "iface-status": "active",
                        OWNER_KEY: OWNER_VALUE, DHCP_NETWORK_KEY: network_id}
        with self.api.transaction(check_error=True) as txn:
            txn.add(self.api.add_port(bridge, name, may_exist=True))
            txn.add(self.api.db_set("Interface", name, ("external_ids", external_ids)))

    @staticmethod
    def dhcp_ports(interfaces: Iterable[Interface]) -> dict[str, str]:
        """The agent's DHCP ports among a bridge's interfaces: interface name -> network id."""
        return {i.name: i.external_ids[DHCP_NETWORK_KEY] for i in interfaces
                if i.owned and DHCP_NETWORK_KEY in i.external_ids}

    def add_router_port(self, bridge: str, name: str, port_id: str, mac: str, router_id: str) -> None:
        """Plug a router port's veth end as Nova plugs a VM (L2 sees a local port)."""
        external_ids = {IFACE_ID_KEY: port_id, "attached-mac": mac, "iface-status": "active",
                        OWNER_KEY: OWNER_VALUE, ROUTER_KEY: router_id}
        with self.api.transaction(check_error=True) as txn:
            txn.add(self.api.add_port(bridge, name, may_exist=True))
            txn.add(self.api.db_set("Interface", name, ("external_ids", external_ids)))

    @staticmethod
    def router_ports(interfaces: Iterable[Interface]) -> dict[str, str]:
        """The agent's router ports among a bridge's interfaces: interface name -> router id."""
        return {i.name: i.external_ids[ROUTER_KEY] for i in interfaces
                if i.owned and ROUTER_KEY in i.external_ids}

"""agent, dhcp_agent_scheduler: the agents that serve hosts (/v2.0/agents), and the
calls the agents themselves make (/feed/v1, Neutrino's own, documented here so that
/openapi.json shows them; docs/agent-feed.md "Registration and device reports").

Agents register themselves; the only records ``POST /v2.0/agents`` creates are
pseudo-agents (pseudo-agents, ours: pseudo.py), so every POST attribute is a
pseudo-agent's. Only ``admin_state_up`` and ``description`` change through the API.
Every record shows the physical networks it reaches (agent-physical-networks,
ours: physnets.py).
"""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Operation, Resource
from neutrino.definitions.common import ID
from neutrino.definitions.kinds import AnyDict, Boolean, ListOf, Nullable, Object, String, Uuid
from neutrino.ml2.mechanism import PSEUDO_AGENT

HOST = String(255, min_len=1)
FEED_AGENT = Object({
    "host": (HOST, True),
    "agent_type": (String(255, min_len=1), True),
    "binary": (String(255, min_len=1), True),
    "topic": (String(255, min_len=1), True),
    "configurations": (AnyDict(), True),
    "availability_zone": (Nullable(String(255)), False),
    "start_flag": (Boolean(), False),
})
FEED_REGISTRATION = Object({"agent": (FEED_AGENT, True)})
DEVICE_REPORT = Object({"up": (ListOf(String(255)), False), "down": (ListOf(String(255)), False)})

AGENT = Resource(
    name="agent", collection="agents", standard_attributes=False, project_scoped=False,
    bulk=False,
    attributes=(
        ID,
        Attribute("agent_type", String(255), "Open vSwitch agent, DHCP agent, ...; POST: only "
                  "'Pseudo agent' (the default).", default=PSEUDO_AGENT, post=True, filter=True,
                  sort=True),
        Attribute("binary", String(255), "The agent's program: neutron-openvswitch-agent.",
                  filter=True, sort=True),
        Attribute("topic", String(255), "N/A, dhcp_agent, ...", filter=True, sort=True),
        Attribute("host", String(255), "The host it serves (as binding:host_id names it).",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("admin_state_up", Boolean(), "false: schedulers and binding leave it out.",
                  default=True, post=True, put=True, filter=True, sort=True),
        Attribute("description", Nullable(String(255)), "Free text (null clears it).",
                  default="", post=True, put=True, filter=True, sort=True),
        Attribute("alive", Boolean(), "Its last heartbeat is newer than agent_down_time "
                  "(a pseudo agent: always).", filter=True),
        Attribute("created_at", String(), "When it first registered (YYYY-MM-DD HH:MM:SS)."),
        Attribute("started_at", String(), "When it last started."),
        Attribute("heartbeat_timestamp", String(), "Its last heartbeat."),
        Attribute("configurations", AnyDict(), "What the agent reports of itself; POST (a "
                  "pseudo agent): physical_networks, allowed_network_types, "
                  "supported_vnic_types [{vnic_type, vif_type, vif_details}].",
                  default=REQUIRED, post=True),
        Attribute("availability_zone", Nullable(String(255)),
                  "Its zone (DHCP and L3 agents only).", filter=True, sort=True),
    ),
)

_AGENT_SCHEMA = {"type": "object", "properties": {
    a.name: a.kind.schema() for a in AGENT.attributes}}
_AGENT_BODY = {"type": "object", "properties": {"agent": _AGENT_SCHEMA}}
_AGENTS_BODY = {"type": "object", "properties": {"agents": {"type": "array",
                                                            "items": _AGENT_SCHEMA}}}
_STATUSES = {"type": "object", "properties": {"ports": {
    "type": "object", "additionalProperties": {"type": "string", "enum": ["ACTIVE", "DOWN"]}}}}
_NETWORK_ID = {"type": "object", "properties": {"network_id": Uuid().schema()},
               "required": ["network_id"]}

AGENT_EXTENSION = Extension(
    alias="agent", name="agent", description="The agent management extension.",
    updated="2013-02-03T10:00:00-00:00", resources=(AGENT,),
    operations=(
        Operation("post", "/feed/v1/agents",
                  "Register an agent or beat its heart (agents; admin or service role, "
                  "loopback only under noauth)",
                  request=FEED_REGISTRATION.schema(), response=_AGENT_BODY),
        Operation("post", "/feed/v1/hosts/{host}/devices",
                  "Report the host's devices up or down: the status of its bound ports",
                  request=DEVICE_REPORT.schema(), response=_STATUSES),
    ),
)
AGENT_PHYSICAL_NETWORKS = Extension(
    alias="agent-physical-networks", name="Agent physical networks",
    description="The physical networks each agent reaches, normalised from its "
                "configurations (bridge_mappings, interface_mappings, device_mappings).",
    updated="2026-12-02T00:00:00-00:00", requires=("agent",),
    extends={"agents": (Attribute(
        "physical_networks", ListOf(String(64)),
        "The physical networks it reaches, sorted (read only: from its configurations). "
        "Filter: agents reaching any of the names given.", filter=True),)})
PSEUDO_AGENTS = Extension(
    alias="pseudo-agents", name="Pseudo agents",
    description="Admins register agent records (agent_type 'Pseudo agent') for hosts no "
                "agent runs on; ports bind there as the record declares.",
    updated="2026-12-02T00:00:00-00:00", requires=("agent", "binding"))
DHCP_AGENT_SCHEDULER = Extension(
    alias="dhcp_agent_scheduler", name="DHCP Agent Scheduler",
    description="Schedule networks among dhcp agents", updated="2013-02-07T10:00:00-00:00",
    requires=("agent",),
    operations=(
        Operation("get", "/v2.0/agents/{agent_id}/dhcp-networks",
                  "Networks a DHCP agent hosts (admin)",
                  response={"type": "object", "properties": {"networks": {"type": "array"}}}),
        Operation("post", "/v2.0/agents/{agent_id}/dhcp-networks",
                  "Make a DHCP agent host a network (admin)", status=201,
                  request=_NETWORK_ID),
        Operation("delete", "/v2.0/agents/{agent_id}/dhcp-networks/{network_id}",
                  "Remove a network from a DHCP agent (admin)", status=204),
        Operation("get", "/v2.0/networks/{network_id}/dhcp-agents",
                  "DHCP agents hosting a network (admin)", response=_AGENTS_BODY),
    ),
)

EXTENSIONS = [AGENT_EXTENSION, AGENT_PHYSICAL_NETWORKS, PSEUDO_AGENTS, DHCP_AGENT_SCHEDULER]

"""Entry point for oslo-config-generator and `neutrino config sample`."""
from neutrino import logs
from neutrino.conf import (
    agent, agents, database, default, driver_health, journal, ml2, network_log, placement,
    quotas, sriov,
)


def list_opts() -> list[tuple[str, list]]:
    return [
        ("DEFAULT", default.OPTS + agents.OPTS + logs._OPTS),
        ("database", database.OPTS),
        ("ml2", ml2.ML2),
        ("ml2_type_flat", ml2.FLAT),
        ("ml2_type_vlan", ml2.VLAN),
        ("ml2_type_vxlan", ml2.VXLAN),
        ("ml2_type_geneve", ml2.GENEVE),
        ("quotas", quotas.OPTS),
        ("journal", journal.JOURNAL),
        ("agent_feed", journal.AGENT_FEED),
        ("agent", agent.OPTS),
        (agent.AUTH_GROUP, agent.auth_list_opts()),
        ("placement", placement.OPTS),
        (network_log.GROUP, network_log.OPTS),
        (driver_health.GROUP, driver_health.OPTS),
        (sriov.GROUP, sriov.OPTS),
    ]

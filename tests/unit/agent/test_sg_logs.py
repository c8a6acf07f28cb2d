"""Which security-group logs cover a port, as the logging API defines them."""
from neutrino.agent.desired import Log, Port
from neutrino.agent.extensions.security_groups.logs import covers, events, logs_of_ports


def port(pid: str = "p1", groups=("g1",), project: str = "pr1", **kw) -> Port:
    return Port(id=pid, network_id="n1", mac_address="fa:16:3e:00:00:01", host="h",
                security_groups=tuple(groups), project_id=project, **kw)


def test_a_group_log_covers_its_member_ports_only():
    log = Log("l1", "admin", resource_id="g1")
    assert covers(log, port()) and not covers(log, port(groups=("g2",)))


def test_a_port_log_covers_that_port_whatever_its_groups():
    log = Log("l1", "admin", target_id="p1")
    assert covers(log, port(groups=())) and not covers(log, port("p2"))


def test_a_group_and_port_log_needs_both():
    log = Log("l1", "admin", resource_id="g1", target_id="p1")
    assert covers(log, port())
    assert not covers(log, port(groups=("g2",))) and not covers(log, port("p2"))


def test_a_log_naming_nothing_covers_its_projects_ports():
    log = Log("l1", "pr1")
    assert covers(log, port()) and not covers(log, port(project="pr2"))


def test_unfiltered_ports_are_never_covered():
    log = Log("l1", "pr1")
    assert not covers(log, port(port_security_enabled=False))
    assert not covers(log, port(device_owner="network:dhcp"))


def test_logs_of_ports_and_their_events():
    drop, accept = Log("l2", "pr1", event="DROP"), Log("l1", "admin", "ACCEPT", "g1")
    found = logs_of_ports([drop, accept], [port(), port("p2", groups=(), project="pr3")])
    assert found == {"p1": (accept, drop)}
    assert events(found["p1"]) == {"ACCEPT", "DROP"}
    assert events([Log("l3", "pr1", event="ALL")]) == {"ACCEPT", "DROP"}
    assert events([drop]) == {"DROP"}

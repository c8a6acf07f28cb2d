"""The SR-IOV NIC agent (`neutrino sriov-agent`, docs/sriov.md): registers a
``NIC Switch agent``, follows its host's state on the agent feed, and programs the
VFs of the ports bound there (``binding:vif_type`` ``hw_veb``) through a backend:
``netlink`` (the kernel, pyroute2) or ``simulated`` (files, for tests)."""

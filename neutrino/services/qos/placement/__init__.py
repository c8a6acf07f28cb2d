"""Placement: the names Neutrino writes there (names.py), a keystoneauth1 client
(client.py) and the sync of agents' resource providers (sync.py)."""

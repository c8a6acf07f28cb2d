"""Neutrino: a networking service that speaks the OpenStack Networking v2.0 API."""

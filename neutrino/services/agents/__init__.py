"""Agents: the records host agents register and heartbeat (/v2.0/agents)."""

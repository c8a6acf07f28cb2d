"""Core plugins: networks, subnets, ports, IPAM, IP availability."""

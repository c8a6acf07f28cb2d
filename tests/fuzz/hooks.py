"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS): generators for the string
formats of /openapi.json that JSON Schema does not define."""
from __future__ import annotations

import ipaddress

import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

# Prefixes no shorter than /8 (v4) and /48 (v6), so that a generated subnet can hold
# addresses and pools the way real ones do; shorter ones are valid too, and rarer.
_V4 = st.builds(lambda a, p: str(ipaddress.ip_network((a, p), strict=False)),
                st.integers(0, 2**32 - 1), st.integers(8, 32))
_V6 = st.builds(lambda a, p: str(ipaddress.ip_network((a, p), strict=False)),
                st.integers(0, 2**128 - 1), st.integers(48, 128))
_SHORT = st.builds(lambda a, p: str(ipaddress.ip_network((a, p), strict=False)),
                   st.integers(0, 2**32 - 1), st.integers(0, 7))

schemathesis.openapi.format("cidr", st.one_of(_V4, _V6, _SHORT))


@schemathesis.check
def no_server_error_but_documented_ones(ctx, response, case):
    """``not_a_server_error``, except the 5xx Neutron documents for user input: a
    router created with a disabled flavor is 503 FlavorDisabled; a change of a QoS
    minimum rule whose policy a VM's port uses is 501 (its Placement allocation)."""
    if response.status_code == 503 and b'"FlavorDisabled"' in response.content:
        return None
    if response.status_code == 501 and b"tracked in Placement" in response.content:
        return None
    return not_a_server_error(ctx, response, case)

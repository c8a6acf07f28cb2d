"""The per-host agent: converges one host's data plane to the desired state.

Layer 2 lives here today: Open vSwitch's br-int programmed through an OpenFlow
manager (``openflow/``), tunnel and patch ports through OVSDB (``ovsdb.py``),
static forwarding computed from desired state (``extensions/l2.py``) and a
level-triggered loop tying them together (``reconciler.py``).
"""

"""The QoS consumer: a DSCP marking rule naming a classification group.

The rule's ``classification_group_id`` and ``classification_priority`` are columns
of QoS's own rule table (QoS stores and renders them, and keeps one rule per policy
and group); this checks, inside the rule's transaction, that the group exists and
the caller sees it (404 ClassificationGroupNotFound), and locks it so that it
cannot be deleted before the rule commits. The group's deletion is refused while a
rule names it (plugin.py).
"""
from __future__ import annotations

from typing import Any

from neutrino.services.classifications import definitions


def check_group(registry: Any):
    groups = registry.plugin(definitions.CLASSIFICATION_GROUP)

    def callback(resource, event, trigger, payload) -> None:
        rule = payload.desired_state or {}
        gid = rule.get("classification_group_id")
        if gid is not None:
            groups.lock_usable(payload.connection, payload.context, gid)
    return callback

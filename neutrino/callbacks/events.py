"""Event and resource names as enums: a typo is an AttributeError at import, not a
subscription that silently never fires."""
from enum import Enum


class Event(str, Enum):
    BEFORE_CREATE = "before_create"
    BEFORE_UPDATE = "before_update"
    BEFORE_DELETE = "before_delete"
    PRECOMMIT_CREATE = "precommit_create"
    PRECOMMIT_UPDATE = "precommit_update"
    PRECOMMIT_DELETE = "precommit_delete"
    AFTER_CREATE = "after_create"
    AFTER_UPDATE = "after_update"
    AFTER_DELETE = "after_delete"
    ABORT_CREATE = "abort_create"
    ABORT_UPDATE = "abort_update"
    ABORT_DELETE = "abort_delete"

    @property
    def cancellable(self) -> bool:
        return self.value.startswith(("before_", "precommit_"))

    @property
    def abort(self) -> "Event | None":
        if self.value.startswith("before_"):
            return Event("abort_" + self.value.removeprefix("before_"))
        return None


class Resource(str, Enum):
    """The core resources' singular names, for subscribers' convenience. Plugins
    publish the names their definitions declare (plain strings equal to these); a
    subscription to a name no feature declares is refused at start-up."""

    NETWORK = "network"
    SUBNET = "subnet"
    PORT = "port"
    SECURITY_GROUP = "security_group"
    SECURITY_GROUP_RULE = "security_group_rule"
    SEGMENT = "segment"
    RBAC_POLICY = "rbac_policy"
    ADDRESS_SCOPE = "address_scope"
    SUBNETPOOL = "subnetpool"
    TAG = "tag"

"""The request context: who is calling, on behalf of which project."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Context:
    """The caller of one request, as Keystone (or noauth) described it.

    ``service_*`` describe the service token that may travel beside the user's
    (``X-Service-Token``, e.g. Nova acting for a user); without one they are empty.
    """

    user_id: str | None
    project_id: str | None
    roles: frozenset[str] = frozenset()
    request_id: str = field(default_factory=lambda: "req-" + str(uuid.uuid4()))
    user_name: str | None = None
    user_domain_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    domain_id: str | None = None  # a domain-scoped token
    system_scope: str | None = None  # a system-scoped token: "all"
    is_admin_project: bool = True
    service_user_id: str | None = None
    service_user_domain_id: str | None = None
    service_project_id: str | None = None
    service_project_domain_id: str | None = None
    service_roles: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def sees_all_projects(self) -> bool:
        """Whose rows the database shows this caller: every project's to admins and to
        service users (Nova, Ironic acting for projects), else its own and shared ones.
        What the caller may then do with them is the policy's call."""
        return self.is_admin or "service" in self.roles

    def to_policy_values(self) -> dict:
        """Credentials for oslo.policy: oslo.context's keys plus Neutron's tenant_id/is_admin."""
        return {
            "user_id": self.user_id,
            "user_domain_id": self.user_domain_id,
            "system_scope": self.system_scope,
            "domain_id": self.domain_id,
            "project_id": self.project_id,
            "tenant_id": self.project_id,
            "project_domain_id": self.project_domain_id,
            "roles": sorted(self.roles),
            "is_admin": self.is_admin,
            "is_admin_project": self.is_admin_project,
            "service_user_id": self.service_user_id,
            "service_user_domain_id": self.service_user_domain_id,
            "service_project_id": self.service_project_id,
            "service_project_domain_id": self.service_project_domain_id,
            "service_roles": sorted(self.service_roles),
        }

    @classmethod
    def admin(cls, project_id: str = "admin") -> Context:
        return cls(user_id="admin", project_id=project_id, roles=frozenset({"admin", "member",
                                                                            "reader"}))

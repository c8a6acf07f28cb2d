"""The request context: who is calling, on behalf of which project."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Context:
    user_id: str | None
    project_id: str | None
    roles: frozenset[str] = frozenset()
    request_id: str = field(default_factory=lambda: "req-" + str(uuid.uuid4()))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @classmethod
    def admin(cls, project_id: str = "admin") -> Context:
        return cls(user_id="admin", project_id=project_id, roles=frozenset({"admin", "member",
                                                                            "reader"}))

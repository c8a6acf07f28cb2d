"""Value kinds: how an attribute's value is checked, normalised and described.

Each kind converts a JSON value (``convert``) or a query-string value
(``from_query``) to its canonical form, raising ``ValueError`` with a reason
a user can act on. ``schema()`` gives the JSON Schema used in /openapi.json.
"""
from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class Kind:
    """A value type: convert input to canonical form or raise ValueError."""

    def convert(self, value: Any) -> Any:
        raise NotImplementedError

    def from_query(self, text: str) -> Any:
        return self.convert(text)

    def schema(self) -> dict:
        return {}

    def query_schema(self) -> dict:
        """The JSON Schema of one query-string value (a list filter), as ``from_query`` takes it."""
        return self.schema()


@dataclass(frozen=True)
class String(Kind):
    max_len: int | None = 255
    min_len: int = 0
    pattern: str | None = None

    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"'{value}' is not a valid string")
        if "\x00" in value:
            # PostgreSQL text cannot hold NUL, nor be compared with it.
            raise ValueError(f"{value!r} contains a NUL character")
        if self.max_len is not None and len(value) > self.max_len:
            raise ValueError(f"'{value}' exceeds maximum length of {self.max_len}")
        if len(value) < self.min_len:
            raise ValueError(f"'{value}' is too short; minimum length is {self.min_len}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ValueError(f"'{value}' is not a valid value")
        return value

    def schema(self) -> dict:
        out: dict = {"type": "string"}
        if self.max_len is not None:
            out["maxLength"] = self.max_len
        if self.min_len:
            out["minLength"] = self.min_len
        if self.pattern:
            out["pattern"] = f"^(?:{self.pattern})$"
        return out


@dataclass(frozen=True)
class Boolean(Kind):
    def convert(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            low = value.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
        raise ValueError(f"'{value}' cannot be converted to boolean")

    def schema(self) -> dict:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Integer(Kind):
    minimum: int | None = None
    maximum: int | None = None

    def convert(self, value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not an integer")
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(f"'{value}' is not an integer") from None
        if isinstance(value, float) and value.is_integer():
            # JSON (and JSON Schema) does not tell 1500.0 from 1500; Neutron takes it too.
            value = int(value)
        if not isinstance(value, int):
            raise ValueError(f"'{value}' is not an integer")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"'{value}' is too small - must be at least '{self.minimum}'")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"'{value}' is too large - must be no larger than '{self.maximum}'")
        return value

    def from_query(self, text: str) -> int:
        value = self.convert(text)
        # Stored integers are 32-bit columns: a bigger filter value is no value at all
        # (and SQLite and PostgreSQL cannot even bind it).
        if not -2**31 <= value < 2**31:
            raise ValueError(f"'{text}' is out of range for a 32-bit integer")
        return value

    def schema(self) -> dict:
        out: dict = {"type": "integer"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True)
class PortNumber(Integer):
    """A port number or ICMP type/code (0-65535). The range is documented, not checked
    here: the plugin's errors name the protocol's own range."""

    def schema(self) -> dict:
        return {"type": "integer", "minimum": 0, "maximum": 65535}


@dataclass(frozen=True)
class Uuid(Kind):
    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"'{value}' is not a valid UUID")
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid UUID") from None
        return str(parsed)

    def schema(self) -> dict:
        return {"type": "string", "format": "uuid"}


@dataclass(frozen=True)
class LooseUuid(Kind):
    """An id Neutron looks up without validating it (remote_group_id): a UUID is put in
    canonical form, any other string is kept, so that it is simply not found (404)."""

    def convert(self, value: Any) -> str:
        text = String(255).convert(value)
        try:
            return str(uuid.UUID(text))
        except ValueError:
            return text

    def schema(self) -> dict:
        return {"type": "string", "maxLength": 255}


@dataclass(frozen=True)
class OneOf(Kind):
    values: tuple
    case_insensitive: bool = False
    # Neutron converts some enumerated integers (ip_version) with convert_to_int before
    # checking them, so "4" is accepted as 4; floats and booleans stay refused.
    to_int: bool = False

    def convert(self, value: Any) -> Any:
        if self.to_int and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(f"'{value}' is not an integer") from None
        if self.case_insensitive and isinstance(value, str):
            for allowed in self.values:
                if isinstance(allowed, str) and allowed.lower() == value.lower():
                    return allowed
        for allowed in self.values:
            # Same type too: 4.0 and True are not the 4 and 1 they equal.
            if value == allowed and type(value) is type(allowed):
                return allowed
        raise ValueError(f"'{value}' is not in {list(self.values)}")

    def from_query(self, text: str) -> Any:
        for allowed in self.values:
            if str(allowed) == text or (self.case_insensitive and str(allowed).lower() == text.lower()):
                return allowed
        raise ValueError(f"'{text}' is not in {list(self.values)}")

    def schema(self) -> dict:
        return {"enum": list(self.values)}


@dataclass(frozen=True)
class IpAddress(Kind):
    """An IPv4 or IPv6 address, returned in canonical (compressed) text."""

    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"'{value}' is not a valid IP address")
        try:
            addr = ipaddress.ip_address(value.strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a valid IP address") from None
        if value != value.strip() or (addr.version == 4 and value.count(".") != 3):
            raise ValueError(f"'{value}' is not a valid IP address")
        return str(addr)

    def schema(self) -> dict:
        return {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}


@dataclass(frozen=True)
class Cidr(Kind):
    """A network in CIDR notation; host bits are cleared (10.0.0.5/24 -> 10.0.0.0/24)."""

    def convert(self, value: Any) -> str:
        if not isinstance(value, str) or "/" not in value or value != value.strip():
            raise ValueError(f"'{value}' is not a valid CIDR")
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid CIDR") from None
        return str(net)

    def schema(self) -> dict:
        # Not a JSON Schema format; tests/fuzz registers a generator for it.
        return {"type": "string", "format": "cidr",
                "description": "An IPv4 or IPv6 network, address/prefix-length."}


@dataclass(frozen=True)
class IpOrCidr(Kind):
    """An address or a network (allowed address pairs); a /32 or /128 stays as written."""

    def convert(self, value: Any) -> str:
        if isinstance(value, str) and "/" in value and value == value.strip():
            try:
                return str(ipaddress.ip_network(value, strict=False))
            except ValueError:
                raise ValueError(f"'{value}' is not a valid IP address or CIDR") from None
        try:
            return IpAddress().convert(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid IP address or CIDR") from None

    def schema(self) -> dict:
        return {"type": "string", "anyOf": [IpAddress().schema(), Cidr().schema()]}


_MAC_RE = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")


@dataclass(frozen=True)
class MacAddress(Kind):
    """A unicast MAC address, returned lower-case with colons."""

    def convert(self, value: Any) -> str:
        if not isinstance(value, str) or not _MAC_RE.match(value):
            raise ValueError(f"'{value}' is not a valid MAC address")
        mac = value.lower().replace("-", ":")
        if mac == "00:00:00:00:00:00" or int(mac[:2], 16) & 1:
            raise ValueError(f"'{value}' is not a valid MAC address")
        return mac

    def schema(self) -> dict:
        # Unicast: the low bit of the first octet is clear.
        return {"type": "string", "format": "mac-address",
                "pattern": "^[0-9a-fA-F][02468aceACE]([:-][0-9a-fA-F]{2}){5}$"}


@dataclass(frozen=True)
class Nullable(Kind):
    inner: Kind

    def convert(self, value: Any) -> Any:
        return None if value is None else self.inner.convert(value)

    def from_query(self, text: str) -> Any:
        return self.inner.from_query(text)

    def query_schema(self) -> dict:
        return self.inner.query_schema()

    def schema(self) -> dict:
        return {"anyOf": [self.inner.schema(), {"type": "null"}]}


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind
    unique: bool = False
    max_items: int | None = None

    def convert(self, value: Any) -> list:
        if not isinstance(value, list):
            raise ValueError(f"'{value}' is not a list")
        if self.max_items is not None and len(value) > self.max_items:
            raise ValueError(f"list has {len(value)} items, more than the maximum of {self.max_items}")
        out = [self.item.convert(v) for v in value]
        if self.unique:
            seen = set()
            for v in out:
                key = repr(v)
                if key in seen:
                    raise ValueError(f"Duplicate items in the list: '{v}'")
                seen.add(key)
        return out

    def from_query(self, text: str) -> Any:
        return self.item.from_query(text)

    def query_schema(self) -> dict:
        return self.item.query_schema()

    def schema(self) -> dict:
        out: dict = {"type": "array", "items": self.item.schema()}
        if self.unique:
            out["uniqueItems"] = True
        if self.max_items is not None:
            out["maxItems"] = self.max_items
        return out


@dataclass(frozen=True)
class Object(Kind):
    """A dict with known keys: ``fields`` maps key -> (kind, required)."""

    fields: dict[str, tuple[Kind, bool]] = field(default_factory=dict)

    def convert(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise ValueError(f"'{value}' is not a dictionary")
        unknown = sorted(set(value) - set(self.fields))
        if unknown:
            raise ValueError(f"Unrecognized keys {unknown}; allowed: {sorted(self.fields)}")
        out = {}
        for key, (kind, required) in self.fields.items():
            if key in value:
                out[key] = kind.convert(value[key])
            elif required:
                raise ValueError(f"Key '{key}' is required")
        return out

    def schema(self) -> dict:
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: kind.schema() for k, (kind, _req) in self.fields.items()},
            "required": [k for k, (_kind, req) in self.fields.items() if req],
        }


@dataclass(frozen=True)
class AnyDict(Kind):
    """A free-form JSON object (e.g. binding:profile)."""

    def convert(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise ValueError(f"'{value}' is not a dictionary")
        return value

    def schema(self) -> dict:
        return {"type": "object"}


@dataclass(frozen=True)
class DnsName(Kind):
    """A DNS host label or FQDN; empty string clears it."""

    max_len: int = 255
    fqdn: bool = False

    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"'{value}' is not a valid string")
        if value == "":
            return value
        if len(value) > self.max_len:
            raise ValueError(f"'{value}' exceeds the {self.max_len} character FQDN limit")
        name = value.removesuffix(".")
        for label in name.split("."):
            if not re.fullmatch(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)", label):
                raise ValueError(f"'{value}' is not a valid DNS name: bad label '{label}'")
        if not self.fqdn and value.endswith("."):
            raise ValueError(f"'{value}' must be a host name, not a fully qualified domain name")
        if self.fqdn and not value.endswith("."):
            value += "."
        return value.lower()

    def schema(self) -> dict:
        label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        dot = r"\.?" if self.fqdn else ""
        return {"type": "string", "maxLength": self.max_len,
                "pattern": rf"^(?:{label}(?:\.{label})*{dot})?$"}


@dataclass(frozen=True)
class KeyValueQuery(Kind):
    """A query value of the form ``key=value`` (``fixed_ips=ip_address=10.0.0.5``)."""

    keys: dict[str, Kind] = field(default_factory=dict)

    def convert(self, value: Any) -> tuple[str, Any]:
        if not isinstance(value, str) or "=" not in value:
            raise ValueError(f"'{value}' must look like key=value with key in {sorted(self.keys)}")
        key, _, raw = value.partition("=")
        if key not in self.keys:
            raise ValueError(f"'{key}' is not one of {sorted(self.keys)}")
        return key, self.keys[key].from_query(raw)

    def schema(self) -> dict:
        return {"type": "string", "pattern": f"^({'|'.join(sorted(self.keys))})=.*$"}


@dataclass(frozen=True)
class StringOrInteger(Kind):
    """A string, or an integer given as a number; returned as a string (a security
    group rule's protocol: a name or an IP protocol number)."""

    max_len: int = 255

    def convert(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError(f"'{value}' is not a string or an integer")
        text = str(value)
        if len(text) > self.max_len:
            raise ValueError(f"'{value}' exceeds maximum length of {self.max_len}")
        return text

    def schema(self) -> dict:
        return {"anyOf": [{"type": "string", "maxLength": self.max_len}, {"type": "integer"}]}

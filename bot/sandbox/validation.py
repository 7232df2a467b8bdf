"""Check requests and responses against Discord's own OpenAPI description (``discord/openapi.json``).

Plain ``jsonschema`` (Draft 2020-12, which OpenAPI 3.1 uses) over the description's components: each
operation's schema becomes a root document carrying ``components`` so that ``#/components/...`` references
resolve. The description is loaded once per process; validators are built once per operation.

Only discord.py's known quirks are normalised before validation: integer snowflakes where the description
wants strings, and permission bitfields sent as strings where it wants integers.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

OPENAPI_ENV = "LCM_SANDBOX_OPENAPI"
# Query parameters discord.py sends that the description omits and Discord ignores.
KNOWN_EXTRA_QUERY = frozenset({"use_nested_fields"})
PERMISSION_KEYS = frozenset({"allow", "deny", "permissions", "default_member_permissions"})
HTTP_METHODS = ("get", "put", "post", "patch", "delete")


def default_openapi_path() -> Path | None:
    """``$LCM_SANDBOX_OPENAPI``, else ``<repo>/../shared/discord/openapi.json``; None when neither exists."""
    env = os.environ.get(OPENAPI_ENV)
    if env:
        return Path(env) if Path(env).is_file() else None
    path = Path(__file__).resolve().parents[2].parent / "shared" / "discord" / "openapi.json"
    return path if path.is_file() else None


@dataclass
class Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    literal_segments: int
    operation_id: str
    path_params: dict[str, dict[str, Any]]
    query_params: dict[str, dict[str, Any]]
    request_schema: dict[str, Any] | None
    responses: dict[str, dict[str, Any] | None]
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)


@dataclass
class Match:
    operation: Operation | None
    path_params: dict[str, str]
    error: str | None = None  # "unknown route" or "method not allowed"


class OpenAPIValidator:
    """Finds the operation for a request and validates its parameters and bodies."""

    def __init__(self, spec: dict[str, Any]) -> None:
        _patch_description(spec)
        self.components = spec.get("components", {})
        self.operations: dict[str, list[Operation]] = {}
        for template, item in spec["paths"].items():
            shared = {(p["in"], p["name"]): p for p in item.get("parameters", []) if "name" in p}
            for method in HTTP_METHODS:
                op = item.get(method)
                if op is None:
                    continue
                params = dict(shared)
                params.update({(p["in"], p["name"]): p for p in op.get("parameters", []) if "name" in p})
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                responses = {}
                for status, resp in op.get("responses", {}).items():
                    resp = self._deref(resp)
                    responses[status] = resp.get("content", {}).get("application/json", {}).get("schema")
                pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
                self.operations.setdefault(template, []).append(
                    Operation(
                        method=method.upper(),
                        template=template,
                        regex=re.compile(pattern),
                        literal_segments=sum(1 for s in template.split("/") if s and not s.startswith("{")),
                        operation_id=op.get("operationId", ""),
                        path_params={
                            n: p.get("schema", {}) for (where, n), p in params.items() if where == "path"
                        },
                        query_params={n: p for (where, n), p in params.items() if where == "query"},
                        request_schema=body,
                        responses=responses,
                    )
                )
        self._templates = sorted(
            ((ops[0].regex, ops[0].literal_segments, t) for t, ops in self.operations.items()),
            key=lambda x: -x[1],
        )

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if not ref:
            return node
        target: Any = {"components": self.components}
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return self._deref(target)

    def _validator(self, op: Operation, key: str, schema: dict[str, Any]) -> Draft202012Validator:
        found = op._validators.get(key)
        if found is None:
            found = Draft202012Validator({**schema, "components": self.components})
            op._validators[key] = found
        return found

    # -- matching -------------------------------------------------------------------------------------

    def match(self, method: str, path: str) -> Match:
        """The operation for ``method path`` (path relative to the API base, no query string)."""
        for regex, _, template in self._templates:
            m = regex.match(path)
            if m is None:
                continue
            for op in self.operations[template]:
                if op.method == method.upper():
                    return Match(op, m.groupdict())
            return Match(None, m.groupdict(), "method not allowed")
        return Match(None, {}, "unknown route")

    # -- requests -------------------------------------------------------------------------------------

    def validate_request(
        self, op: Operation, path_params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[list[str], Any]:
        """Errors (as ``location: message``) and the normalised body."""
        errors: list[str] = []
        for name, value in path_params.items():
            schema = op.path_params.get(name)
            if schema is not None:
                errors += [
                    f"path.{name}: {e.message}"
                    for e in self._validator(op, f"p:{name}", schema).iter_errors(value)
                ]
        for name, value in query.items():
            param = op.query_params.get(name)
            if param is None and name in KNOWN_EXTRA_QUERY:
                continue
            if param is None:
                errors.append(f"query.{name}: unknown query parameter")
                continue
            schema = param.get("schema", {})
            coerced = _coerce_query(value, self._deref(schema) if "$ref" in schema else schema)
            errors += [
                f"query.{name}: {e.message}"
                for e in self._validator(op, f"q:{name}", schema).iter_errors(coerced)
            ]
        for name, param in op.query_params.items():
            if param.get("required") and name not in query:
                errors.append(f"query.{name}: required")
        if body is not None:
            if op.request_schema is None:
                errors.append("body: this route takes no JSON body")
            else:
                validator = self._validator(op, "request", op.request_schema)
                body = _normalise(validator, body)
                errors += [_describe(e) for e in validator.iter_errors(body)]
        return errors, body

    def validate_response(self, op: Operation, status: int, body: Any) -> list[str]:
        key = str(status)
        if key not in op.responses:
            key = f"{key[0]}XX"
        if key not in op.responses:
            return [f"status {status} is not described"]
        schema = op.responses[key]
        if schema is None:
            return [] if body is None else [f"status {status} has no body in the description"]
        return [_describe(e) for e in self._validator(op, f"r:{key}", schema).iter_errors(body)]


def _patch_description(spec: dict[str, Any]) -> None:
    """Fill the description's known gaps, where Discord accepts what it does not describe.

    - ``ChannelTypes`` lacks GUILD_MEDIA (16), which discord.py adds to ``channel_types`` of every
      ``ForumChannel`` option and Discord accepts.
    """
    channel_types = spec.get("components", {}).get("schemas", {}).get("ChannelTypes", {})
    variants = channel_types.get("oneOf")
    if isinstance(variants, list) and not any(v.get("const") == 16 for v in variants):
        variants.append({"title": "GUILD_MEDIA", "description": "A forum of media posts", "const": 16})


@cache
def load_validator(path: str) -> OpenAPIValidator:
    """The validator for the description at ``path``, built once per process."""
    with open(path, encoding="utf-8") as fh:
        return OpenAPIValidator(json.load(fh))


def _coerce_query(value: str, schema: dict[str, Any]) -> Any:
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "boolean" in types and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if "integer" in types and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in types:
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _leaves(error: ValidationError) -> list[ValidationError]:
    if not error.context:
        return [error]
    out: list[ValidationError] = []
    for sub in error.context:
        out += _leaves(sub)
    return out


def _normalise(validator: Draft202012Validator, body: Any) -> Any:
    """Undo discord.py's two known quirks, only where the description's schema asks for the other type."""
    if validator.is_valid(body):
        return body
    body = copy.deepcopy(body)
    for _ in range(100):
        fixed = False
        for error in validator.iter_errors(body):
            for leaf in _leaves(error):
                if leaf.validator != "type":
                    continue
                path = list(leaf.absolute_path)
                value = leaf.instance
                schema = leaf.schema if isinstance(leaf.schema, dict) else {}
                if (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and value >= 0
                    and schema.get("format") == "snowflake"
                ):
                    fixed |= _set(body, path, str(value))
                elif (
                    isinstance(value, str)
                    and value.isdigit()
                    and path
                    and path[-1] in PERMISSION_KEYS
                    and "integer" in _types(schema)
                ):
                    fixed |= _set(body, path, int(value))
        if not fixed:
            break
    return body


def _types(schema: dict[str, Any]) -> list[str]:
    t = schema.get("type", [])
    return t if isinstance(t, list) else [t]


def _set(body: Any, path: list[Any], value: Any) -> bool:
    if not path:
        return False
    target = body
    for part in path[:-1]:
        target = target[part]
    if target[path[-1]] == value:
        return False
    target[path[-1]] = value
    return True


def _describe(error: ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "body"
    leaves = _leaves(error)
    if len(leaves) > 1 and any(len(e.absolute_path) > len(error.absolute_path) for e in leaves):
        # A union: name the deepest complaint, which is the useful one.
        # Prefer a real complaint over "wrong variant of the union" ones.
        telling = [e for e in leaves if e.validator not in ("const", "enum")] or leaves
        deepest = max(telling, key=lambda e: len(e.absolute_path))
        where = ".".join(str(p) for p in deepest.absolute_path) or where
        return f"{where}: {deepest.message}"
    return f"{where}: {error.message}"


def error_tree(errors: list[tuple[list[Any], str, str]]) -> dict[str, Any]:
    """Discord's nested ``errors`` object from (path, code, message) triples."""
    tree: dict[str, Any] = {}
    for path, code, message in errors:
        node = tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return tree

"""The HTTP API's plumbing: body parsing, authentication, injected 429s, OpenAPI validation, error bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.errors import DiscordHTTPError
from bot.sandbox.record import RequestLog, ValidationFailure

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

API_PREFIX = "/api/v10"
# Routes that authenticate with the token in the path, not the Authorization header.
TOKEN_IN_PATH = ("/webhooks/", "/interactions/")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ok(data: Any, status: int = 200) -> web.Response:
    # Not json_response: discord.py compares Content-Type to exactly "application/json" (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


def no_content() -> web.Response:
    return web.Response(status=204)


def sandbox(request: web.Request) -> Sandbox:
    return request.app["sandbox"]


def body(request: web.Request) -> dict[str, Any]:
    data = request.get("body")
    return data if isinstance(data, dict) else {}


def files(request: web.Request) -> list[dict[str, Any]]:
    return request.get("files") or []


def flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true")


@dataclass
class Injection:
    """A 429 to answer ``times`` times on requests matching ``method`` and ``route``."""

    method: str
    route: str
    times: int
    retry_after: float
    is_global: bool
    hits: int = 0


async def _parse_body(request: web.Request) -> tuple[Any, list[dict[str, Any]], bool]:
    """The JSON body (``payload_json`` for multipart), the files, and whether a body was sent."""
    if not request.can_read_body:
        return None, [], False
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        payload: Any = None
        found: list[dict[str, Any]] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                data = await part.read()
                found.append(
                    {
                        "name": part.name,
                        "filename": part.filename or part.name,
                        "data": bytes(data),
                        "content_type": part.headers.get("Content-Type"),
                    }
                )
        if isinstance(payload, dict):
            for i, f in enumerate(found):
                meta = next((a for a in payload.get("attachments") or [] if str(a.get("id")) == str(i)), None)
                if meta and meta.get("description"):
                    f["description"] = meta["description"]
        return payload, found, True
    raw = await request.read()
    if not raw:
        return None, [], False
    return json.loads(raw), [], True


def _route_of(request: web.Request) -> str | None:
    info = request.match_info
    if info.http_exception is not None:
        return None
    resource = info.route.resource
    return resource.canonical.removeprefix(API_PREFIX) if resource is not None else None


def _ratelimit_headers(route: str | None, limit: int) -> dict[str, str]:
    # discord.py lets at most ``remaining`` requests of a bucket be in flight, then waits for the reset:
    # a generous limit and a short reset keep bursts from queueing behind a limit Discord would not impose.
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(limit - 1),
        "X-RateLimit-Reset": f"{time.time() + 0.05:.3f}",
        "X-RateLimit-Reset-After": "0.050",
        "X-RateLimit-Bucket": f"sandbox-{abs(hash(route)) % 10**12:x}",
    }


def _too_many(injection: Injection, route: str | None) -> web.Response:
    headers = _ratelimit_headers(route, 1) | {
        "Via": "1.1 google",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": f"{injection.retry_after:.3f}",
        "X-RateLimit-Scope": "global" if injection.is_global else "user",
        "Retry-After": str(max(1, int(injection.retry_after + 0.999))),
    }
    if injection.is_global:
        headers["X-RateLimit-Global"] = "true"
    data = {
        "message": "You are being rate limited.",
        "retry_after": injection.retry_after,
        "global": injection.is_global,
        "code": 0,
    }
    return web.Response(
        body=json.dumps(data).encode(), status=429, content_type="application/json", headers=headers
    )


def _error(status: int, data: dict[str, Any]) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Record, rate-limit, authenticate and validate every API request; turn errors into Discord's bodies."""
    if not request.path.startswith(API_PREFIX):
        if request.path != "/":
            # Another API version or a stray URL: Discord would not answer it as the bot expects.
            sb = sandbox(request)
            log = RequestLog(request.method, request.path, None, status=404, errors=["outside /api/v10"])
            sb.record.requests.append(log)
            sb.record.validation_failures.append(
                ValidationFailure(request.method, request.path, "request", ["outside /api/v10"])
            )
            return _error(404, {"message": "404: Not Found", "code": 0})
        return await handler(request)
    sb = sandbox(request)
    path = request.path.removeprefix(API_PREFIX)
    route = _route_of(request)
    log = RequestLog(request.method, path, route)
    sb.record.requests.append(log)
    try:
        parsed, found, has_body = await _parse_body(request)
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.status = 400
        return _error(400, {"message": "400: Bad Request", "code": 0})
    log.body = parsed
    request["body"] = parsed
    request["files"] = found

    injection = sb.take_injection(request.method, path, route)
    if injection is not None:
        log.status = 429
        sb.record.add(
            "http.429",
            data={
                "method": request.method,
                "path": path,
                "retry_after": injection.retry_after,
                "global": injection.is_global,
            },
        )
        return _too_many(injection, route)

    if not path.startswith(TOKEN_IN_PATH) and request.headers.get("Authorization") != f"Bot {sb.world.token}":
        log.status = 401
        return _error(401, {"message": "401: Unauthorized", "code": 0})

    match = None
    if sb.validator is not None:
        match = sb.validator.match(request.method, path)
        errors: list[str]
        if match.operation is None:
            errors = [f"{match.error}: {request.method} {path}"]
        else:
            query = {k: v for k, v in request.query.items()}
            errors, normalised = sb.validator.validate_request(
                match.operation, match.path_params, query, parsed if has_body else None
            )
            if has_body:
                request["body"] = normalised
        if errors:
            log.errors = errors
            sb.record.validation_failures.append(ValidationFailure(request.method, path, "request", errors))
            # Every request that Discord's description rejects (an unknown route or method included) gets
            # Discord's 400 "Invalid Form Body": the bot sees a hard error and the test that caused it fails.
            status = 400
            data = {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "_openapi": {"_errors": [{"code": "OPENAPI_INVALID", "message": e} for e in errors]}
                },
            }
            log.status = status
            return _error(status, data)
        log.validated = True
    elif sb.require_validation:
        sb.record.unvalidated.append(log)

    if route is None:
        log.status = 404
        return _error(404, {"message": "404: Not Found", "code": 0})
    try:
        response = await handler(request)
    except DiscordHTTPError as exc:
        response = _error(exc.status, exc.body)
    except web.HTTPException as exc:
        response = _error(exc.status, {"message": f"{exc.status}: {exc.reason}", "code": 0})
    log.status = response.status
    if sb.validate_responses and match is not None and match.operation is not None:
        text = response.text if isinstance(response, web.Response) else None
        data = json.loads(text) if text else None
        if response.status >= 400:
            # The description types error codes as integers; Discord's real bodies use strings
            # ("BASE_TYPE_MAX_LENGTH"), which is what discord.py expects: only the envelope is checked.
            ok_envelope = isinstance(data, dict) and isinstance(data.get("code"), int) and "message" in data
            problems = [] if ok_envelope else [f"error body without code and message: {data!r}"]
        elif sb.validator is not None:
            problems = sb.validator.validate_response(match.operation, response.status, data)
        else:
            problems = []
        if problems:
            sb.record.validation_failures.append(
                ValidationFailure(request.method, path, "response", problems)
            )
    response.headers.update(_ratelimit_headers(route, sb.bucket_limit))
    return response

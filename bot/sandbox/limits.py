"""Discord's limits on what a bot sends, with Discord's error codes; components as Discord stores them."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox import errors as E

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
NAME_LIMIT = 100
CONTENT_LIMIT = 2000
MAX_FORUM_TAGS = 20
MAX_POST_TAGS = 5
MAX_FILES = 10
# The attachment_size_limit sent with each interaction (25 MiB, a server without boosts).
ATTACHMENT_SIZE_LIMIT = 26_214_400


def check_embeds(embeds: list[dict[str, Any]]) -> list[tuple[list[Any], str, str]]:
    """Discord's embed limits, with its error codes."""
    errs: list[tuple[list[Any], str, str]] = []
    if len(embeds) > 10:
        errs.append(E.too_long(["embeds"], 10))
    total = 0
    for i, embed in enumerate(embeds):
        where: list[Any] = ["embeds", i]
        for key, limit in (("title", 256), ("description", 4096)):
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                errs.append(E.too_long([*where, key], limit))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errs.append(E.too_long([*where, "fields"], 25))
        for j, fld in enumerate(fields):
            name, value = fld.get("name") or "", fld.get("value") or ""
            total += len(name) + len(value)
            if len(name) > 256:
                errs.append(E.too_long([*where, "fields", j, "name"], 256))
            if len(value) > 1024:
                errs.append(E.too_long([*where, "fields", j, "value"], 1024))
        for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
            text = (embed.get(key) or {}).get(sub) or ""
            total += len(text)
            if len(text) > limit:
                errs.append(E.too_long([*where, key, sub], limit))
    if total > 6000:
        errs.append((["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))
    return errs


def check_components(rows: list[dict[str, Any]]) -> list[tuple[list[Any], str, str]]:
    errs: list[tuple[list[Any], str, str]] = []
    seen: set[str] = set()

    def walk(items: list[dict[str, Any]], where: list[Any]) -> None:
        for i, comp in enumerate(items):
            here = [*where, i]
            cid = comp.get("custom_id")
            if cid is not None:
                if len(cid) > 100:
                    errs.append(E.too_long([*here, "custom_id"], 100))
                if cid in seen:
                    errs.append(
                        (
                            [*here, "custom_id"],
                            "COMPONENT_CUSTOM_ID_DUPLICATED",
                            "Component custom id cannot be duplicated",
                        )
                    )
                seen.add(cid)
            if len(comp.get("label") or "") > 80:
                errs.append(E.too_long([*here, "label"], 80))
            if len(comp.get("options") or []) > 25:
                errs.append(E.too_long([*here, "options"], 25))
            if comp.get("type") == 1 and len(comp.get("components") or []) > 5:
                errs.append(E.too_long([*here, "components"], 5))
            if comp.get("components"):
                walk(comp["components"], [*here, "components"])

    if sum(1 for r in rows if r.get("type") == 1) > 5:
        errs.append(E.too_long(["components"], 5))
    walk(rows, ["components"])
    return errs


SELECT_TYPES = (3, 5, 6, 7, 8)


def stored_components(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord stores them: each with a numeric ``id``, selects with their value bounds."""
    counter = iter(range(1, 10_000))
    taken: set[int] = set()

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for comp in items:
            comp = dict(comp)
            if comp.get("id") is None:
                comp["id"] = next(i for i in counter if i not in taken)
            taken.add(comp["id"])
            if comp.get("type") in SELECT_TYPES:
                comp.setdefault("min_values", 1)
                comp.setdefault("max_values", 1)
            for key in ("components", "items"):
                if isinstance(comp.get(key), list):
                    comp[key] = walk(comp[key])
            for key in ("component", "accessory"):
                if isinstance(comp.get(key), dict):
                    comp[key] = walk([comp[key]])[0]
            out.append(comp)
        return out

    return walk(rows)

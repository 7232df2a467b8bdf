"""Permission overwrites as plain values: saved before an archive, restored exactly on reopen."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass

ROLE = 0
MEMBER = 1

# Discord's permission bits that let someone write in a channel or its threads.
SEND_MESSAGES = 1 << 11
ADD_REACTIONS = 1 << 6
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
VIEW_CHANNEL = 1 << 10
READ_MESSAGE_HISTORY = 1 << 16
WRITE_BITS = SEND_MESSAGES | CREATE_PUBLIC_THREADS | CREATE_PRIVATE_THREADS | SEND_MESSAGES_IN_THREADS


@dataclass(frozen=True, order=True)
class OverwriteSpec:
    """One overwrite: the role or member id, its type (0 role, 1 member), and the allow/deny bit sets."""

    target_id: int
    type: int
    allow: int
    deny: int


def dump(overwrites: Iterable[OverwriteSpec]) -> str:
    return json.dumps(
        [
            {"id": str(o.target_id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in sorted(overwrites)
        ]
    )


def load(raw: str | None) -> list[OverwriteSpec]:
    if not raw:
        return []
    return sorted(
        OverwriteSpec(int(item["id"]), int(item["type"]), int(item["allow"]), int(item["deny"]))
        for item in json.loads(raw)
    )


def read_only(
    current: Iterable[OverwriteSpec],
    *,
    everyone_id: int,
    writers: Collection[int],
    writer_type: dict[int, int],
) -> list[OverwriteSpec]:
    """The overwrites of an archived channel: nobody writes, except ``writers`` (staff roles, the bot).

    Everything else is kept (who may see it stays the same); write permissions are taken away from
    @everyone and from every other role or member that had them.
    """
    out: dict[int, OverwriteSpec] = {}
    for ow in current:
        if ow.target_id in writers:
            out[ow.target_id] = ow
            continue
        out[ow.target_id] = OverwriteSpec(ow.target_id, ow.type, ow.allow & ~WRITE_BITS, ow.deny | WRITE_BITS)
    if everyone_id not in out:
        out[everyone_id] = OverwriteSpec(everyone_id, ROLE, 0, WRITE_BITS)
    for target in writers:
        old = out.get(target) or OverwriteSpec(target, writer_type.get(target, ROLE), 0, 0)
        # Every bit taken from others stays with the writers: Discord lets the bot change only bits it has
        # in the channel, and it must be able to put them back on reopen.
        allow = old.allow | WRITE_BITS | VIEW_CHANNEL | READ_MESSAGE_HISTORY
        out[target] = OverwriteSpec(target, old.type, allow, old.deny & ~allow)
    return sorted(out.values())

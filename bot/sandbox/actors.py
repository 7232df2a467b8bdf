"""Members acting in the sandbox, interaction handles, and readers of what the bot posted."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox import permissions as P
from bot.sandbox.record import Event
from bot.sandbox.world import Channel, ChannelType, Interaction, Message, User

if TYPE_CHECKING:
    from bot.sandbox.kit import Kit
    from bot.sandbox.server import Sandbox

DEFAULT_TIMEOUT = 5.0


# -- reading what the bot did -------------------------------------------------------------------------


def text_of(event_or_payload: Event | dict[str, Any]) -> str:
    """Everything a reader sees in a message: content, then each embed's title, description and fields."""
    data = event_or_payload.data if isinstance(event_or_payload, Event) else event_or_payload
    if "message" in data and isinstance(data["message"], dict):
        data = data["message"]
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for fld in embed.get("fields") or []:
            parts += [fld.get("name") or "", fld.get("value") or ""]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


def custom_ids(event_or_payload: Event | dict[str, Any]) -> list[str]:
    """The custom_ids of a message's components, in order."""
    data = event_or_payload.data if isinstance(event_or_payload, Event) else event_or_payload
    if "message" in data and isinstance(data["message"], dict):
        data = data["message"]
    out: list[str] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for comp in items:
            if comp.get("custom_id"):
                out.append(comp["custom_id"])
            walk(comp.get("components") or [])
            if isinstance(comp.get("component"), dict):
                walk([comp["component"]])
            if isinstance(comp.get("accessory"), dict):
                walk([comp["accessory"]])

    walk(data.get("components") or [])
    return out


def _find_component(items: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for comp in items:
        if comp.get("custom_id") == custom_id:
            return comp
        nested = list(comp.get("components") or [])
        nested += [c for c in (comp.get("component"), comp.get("accessory")) if isinstance(c, dict)]
        found = _find_component(nested, custom_id)
        if found is not None:
            return found
    return None


# -- interactions -------------------------------------------------------------------------------------


@dataclass
class InteractionHandle:
    """An interaction a member started; await what the bot answered."""

    kit: Kit
    interaction: Interaction
    mark: int

    def _mine(self, kinds: tuple[str, ...]) -> Callable[[Event], bool]:
        iid = str(self.interaction.id)
        return lambda e: e.kind in kinds and e.data.get("interaction_id") == iid

    async def response(self, timeout: float = DEFAULT_TIMEOUT) -> Event:  # noqa: ASYNC109
        """The callback the bot sent (any type)."""
        return await self.kit.sandbox.record.wait_for(
            self._mine(("interaction.response",)),
            after=self.mark,
            timeout=timeout,
            what=f"response to {self.describe()}",
        )

    async def reply(self, timeout: float = DEFAULT_TIMEOUT) -> Event:  # noqa: ASYNC109
        """The message event the member ends up seeing: the reply, the edited deferral or the first follow-up.

        Its ``data`` is the message payload (``content``, ``embeds``, ``components``, ``flags``).
        """
        event = await self.response(timeout)
        rtype = event.data["type"]
        if rtype == 5:
            # A deferred reply ends as an edit of the "thinking" message or as a first follow-up.
            mid, iid = event.message_id, str(self.interaction.id)
            found = await self.kit.sandbox.record.wait_for(
                lambda e: (
                    (e.kind == "message.update" and e.message_id == mid)
                    or (e.kind == "interaction.followup" and e.data.get("interaction_id") == iid)
                ),
                after=event.seq,
                timeout=timeout,
                what=f"edit of the deferred reply, or a follow-up, to {self.describe()}",
            )
            if found.kind == "interaction.followup":
                # Hand back the message event, like the other cases.
                return next(
                    e
                    for e in self.kit.sandbox.record.events[event.seq : found.seq]
                    if e.kind == "message.create" and e.message_id == found.message_id
                )
            return found
        if rtype == 6:
            mid = self.interaction.message_id
            return await self.kit.sandbox.record.wait_for(
                lambda e: e.kind == "message.update" and e.message_id == mid,
                after=event.seq,
                timeout=timeout,
                what=f"edit after the deferred update of {self.describe()}",
            )
        if rtype in (4, 7):
            # The message event itself (data = the message payload), as for the deferred cases.
            kind = "message.create" if rtype == 4 else "message.update"
            for earlier in reversed(self.kit.sandbox.record.events[self.mark : event.seq]):
                if earlier.kind == kind and earlier.message_id == event.message_id:
                    return earlier
            return event
        raise AssertionError(f"{self.describe()} was answered with type {rtype}, not a message")

    async def followup(self, index: int = 0, timeout: float = DEFAULT_TIMEOUT) -> Event:  # noqa: ASYNC109
        iid = str(self.interaction.id)
        seen: list[Event] = []

        def nth(e: Event) -> bool:
            if e.kind == "interaction.followup" and e.data.get("interaction_id") == iid:
                seen.append(e)
                return len(seen) > index
            return False

        return await self.kit.sandbox.record.wait_for(
            nth, after=self.mark, timeout=timeout, what=f"follow-up #{index} to {self.describe()}"
        )

    async def modal(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:  # noqa: ASYNC109
        event = await self.response(timeout)
        if event.data["type"] != 9:
            raise AssertionError(
                f"{self.describe()} was answered with type {event.data['type']}, not a modal"
            )
        return event.data["data"]

    def describe(self) -> str:
        data = self.interaction.data
        return f"interaction {self.interaction.id} ({data.get('name') or data.get('custom_id')})"


class Actor:
    """A member of the sandbox's guild, doing what a person does in the Discord client."""

    def __init__(self, kit: Kit, user: User, guild_id: int | None) -> None:
        self.kit = kit
        self.user = user
        self.guild_id = guild_id

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    @property
    def _sb(self) -> Sandbox:
        return self.kit.sandbox

    async def say(
        self,
        channel: Channel,
        content: str = "",
        *,
        reply_to: Message | None = None,
        embeds: list[dict[str, Any]] | None = None,
        allowed_mentions: dict[str, Any] | None = None,
        files: list[dict[str, Any]] | None = None,
    ) -> Message:
        """Post in ``channel`` (with this member's permissions)."""
        body: dict[str, Any] = {"content": content}
        if embeds:
            body["embeds"] = embeds
        if allowed_mentions is not None:
            body["allowed_mentions"] = allowed_mentions
        if reply_to is not None:
            body["message_reference"] = {
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
            }
        message = self._sb.ops.create_message(
            channel, self.user, body, files, check=channel.type != ChannelType.DM
        )
        await asyncio.sleep(0)
        return message

    async def dm(self, content: str) -> Message:
        """Write to the bot in private messages."""
        channel = self._sb.ops.dm_channel(self.user, self._sb.world.bot_user)
        return await self.say(channel, content)

    async def edit(self, message: Message, content: str) -> Message:
        result = self._sb.ops.edit_message(message, {"content": content}, self.user, check=True)
        await asyncio.sleep(0)
        return result

    async def delete(self, message: Message) -> None:
        self._sb.ops.delete_message(message, self.user, check=True)
        await asyncio.sleep(0)

    async def react(self, message: Message, emoji: str) -> None:
        self._sb.ops.react(message, emoji, self.user, check=True)
        await asyncio.sleep(0)

    async def open_post(
        self, forum: Channel, title: str, content: str, *, tags: list[str] | None = None
    ) -> tuple[Channel, Message]:
        """Open a forum post, with tags named as in the forum."""
        by_name = {t["name"]: t["id"] for t in forum.available_tags}
        body = {
            "name": title,
            "applied_tags": [by_name[t] for t in tags or []],
            "message": {"content": content},
        }
        thread, starter = self._sb.ops.create_thread(forum, self.user, body, check=True)
        assert starter is not None
        await asyncio.sleep(0)
        return thread, starter

    async def start_thread(self, message: Message, name: str) -> Channel:
        parent = self._sb.ops.channel(message.channel_id)
        thread, _ = self._sb.ops.create_thread(
            parent, self.user, {"name": name}, from_message=message, check=True
        )
        await asyncio.sleep(0)
        return thread

    async def join(self) -> None:
        guild = self._sb.world.guilds[self._require_guild()]
        self._sb.ops.add_member(guild, self.user)
        await asyncio.sleep(0)

    async def leave(self) -> None:
        guild = self._sb.world.guilds[self._require_guild()]
        self._sb.ops.remove_member(guild, self.user)
        await asyncio.sleep(0)

    def _require_guild(self) -> int:
        if self.guild_id is None:
            raise ValueError("this actor has no guild")
        return self.guild_id

    # -- application commands and components ----------------------------------------------------------

    def _commands(self) -> list[dict[str, Any]]:
        world = self._sb.world
        return list(world.global_commands) + list(world.guild_commands.get(self.guild_id or 0, []))

    def _find_command(self, name: str, ctype: int) -> dict[str, Any]:
        for cmd in self._commands():
            if cmd["name"] == name and cmd["type"] == ctype:
                return cmd
        known = ", ".join(sorted(f"{c['name']} (type {c['type']})" for c in self._commands())) or "none"
        raise LookupError(f"no command {name!r} of type {ctype} is registered; registered: {known}")

    def _check_visible(self, cmd: dict[str, Any], channel: Channel) -> None:
        needed = cmd.get("default_member_permissions")
        if needed is None or channel.guild_id is None:
            return
        guild = self._sb.world.guilds[channel.guild_id]
        member = guild.members.get(self.user.id)
        if member is None or not P.has(P.base(guild, member), int(needed)):
            raise PermissionError(f"/{cmd['name']} is hidden from {self.user.username} (needs {needed})")

    async def slash(
        self,
        command: str,
        channel: Channel,
        /,
        *,
        locale: str | None = None,
        shown_by_admin: bool = False,
        **options: Any,
    ) -> InteractionHandle:
        """Invoke ``/command [subgroup] [sub]`` with ``options`` (User, Channel, Role or plain values).

        ``shown_by_admin``: an admin made the command visible to this member (Server Settings ->
        Integrations), so the client lets them use it whatever its default permissions.
        """
        data = self._command_data(command, channel, options, focused=None, check_visible=not shown_by_admin)
        return await self._interact(2, data, channel, locale=locale)

    async def autocomplete(
        self, command: str, channel: Channel, /, focused: str, *, locale: str | None = None, **options: Any
    ) -> list[dict[str, Any]]:
        """Type into option ``focused`` (its partial text in ``options``); return the bot's choices."""
        data = self._command_data(command, channel, options, focused=focused)
        handle = await self._interact(4, data, channel, locale=locale)
        event = await handle.response()
        if event.data["type"] != 8:
            raise AssertionError(f"autocomplete answered with type {event.data['type']}")
        return list(event.data["data"].get("choices") or [])

    def _command_data(
        self,
        command: str,
        channel: Channel,
        options: dict[str, Any],
        *,
        focused: str | None,
        check_visible: bool = True,
    ) -> dict[str, Any]:
        parts = command.lstrip("/").split()
        cmd = self._find_command(parts[0], 1)
        if check_visible:
            self._check_visible(cmd, channel)
        defs = cmd.get("options") or []
        chain: list[dict[str, Any]] = []
        for part in parts[1:]:
            sub = next((o for o in defs if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise LookupError(f"/{cmd['name']} has no subcommand {part!r}")
            chain.append(sub)
            defs = sub.get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        for name, value in options.items():
            opt = next((o for o in defs if o["name"] == name), None)
            if opt is None:
                raise LookupError(f"/{command} has no option {name!r}; options: {[o['name'] for o in defs]}")
            if name == focused:
                leaf.append({"name": name, "type": opt["type"], "value": str(value), "focused": True})
                continue
            leaf.append(
                {"name": name, "type": opt["type"], "value": self._option_value(opt, value, resolved)}
            )
        missing = [o["name"] for o in defs if o.get("required") and o["name"] not in options]
        if missing and focused is None:
            raise ValueError(f"/{command}: missing required options {missing}")
        nested = leaf
        for sub in reversed(chain):
            nested = [{"name": sub["name"], "type": sub["type"], "options": nested}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": nested}
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data

    async def user_menu(
        self, name: str, target: User | Actor, channel: Channel, *, locale: str | None = None
    ) -> InteractionHandle:
        """Use a user context-menu command on ``target``."""
        cmd = self._find_command(name, 2)
        self._check_visible(cmd, channel)
        user = target.user if isinstance(target, Actor) else target
        resolved: dict[str, dict[str, Any]] = {}
        self._option_value({"type": 6, "name": "target"}, user, resolved)
        data = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 2,
            "target_id": str(user.id),
            "resolved": resolved,
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._interact(2, data, channel, locale=locale)

    def _option_value(self, opt: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]]) -> Any:
        world = self._sb.world
        otype = opt["type"]
        if otype == 6:  # user
            user = value.user if isinstance(value, Actor) else value
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            member = world.member(self.guild_id, user.id)
            if member is not None:
                resolved.setdefault("members", {})[str(user.id)] = {
                    k: v for k, v in member.payload().items() if k != "user"
                } | {"permissions": "0"}
            return str(user.id)
        if otype == 7:  # channel
            payload = world.channel_payload(value) | {
                "permissions": str(world.channel_permissions(value, self.id))
            }
            resolved.setdefault("channels", {})[str(value.id)] = payload
            return str(value.id)
        if otype == 8:  # role
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        if otype == 11:  # attachment
            att = {
                "id": str(world.ids.next()),
                "filename": value["filename"],
                "size": len(value["data"]),
                "url": f"https://cdn.sandbox.invalid/{value['filename']}",
                "proxy_url": f"https://media.sandbox.invalid/{value['filename']}",
            }
            resolved.setdefault("attachments", {})[att["id"]] = att
            return att["id"]
        if opt.get("choices") and value not in [c["value"] for c in opt["choices"]]:
            raise ValueError(f"option {opt['name']}: {value!r} is not one of its choices")
        return value

    async def context_menu(
        self, name: str, message: Message, *, locale: str | None = None
    ) -> InteractionHandle:
        """Use a message context-menu command on ``message``."""
        cmd = self._find_command(name, 3)
        channel = self._sb.ops.channel(message.channel_id)
        self._check_visible(cmd, channel)
        data = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): self._sb.world.message_payload(message)}},
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._interact(2, data, channel, locale=locale)

    def _message_of(self, target: Message | Event | int) -> Message:
        mid = (
            target.message_id
            if isinstance(target, Event)
            else target.id
            if isinstance(target, Message)
            else target
        )
        message = self._sb.world.messages.get(int(mid or 0))
        if message is None:
            raise LookupError(f"no message {mid}")
        return message

    async def click(
        self, target: Message | Event | int, custom_id: str, *, locale: str | None = None
    ) -> InteractionHandle:
        """Click the button ``custom_id`` on a message."""
        message = self._message_of(target)
        comp = _find_component(message.components, custom_id)
        if comp is None:
            raise LookupError(
                f"no component {custom_id!r} on message {message.id}; "
                f"has {custom_ids(self._sb.world.message_payload(message))}"
            )
        if comp.get("disabled"):
            raise PermissionError(f"component {custom_id!r} is disabled")
        data = {"custom_id": custom_id, "component_type": comp["type"]}
        return await self._interact(
            3, data, self._sb.ops.channel(message.channel_id), message=message, locale=locale
        )

    async def select(
        self, target: Message | Event | int, custom_id: str, values: list[str], *, locale: str | None = None
    ) -> InteractionHandle:
        """Choose ``values`` in the select menu ``custom_id``."""
        message = self._message_of(target)
        comp = _find_component(message.components, custom_id)
        if comp is None:
            raise LookupError(f"no component {custom_id!r} on message {message.id}")
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": comp["type"],
            "values": list(values),
        }
        return await self._interact(
            3, data, self._sb.ops.channel(message.channel_id), message=message, locale=locale
        )

    async def submit_modal(
        self, handle: InteractionHandle, values: dict[str, str], *, locale: str | None = None
    ) -> InteractionHandle:
        """Fill and submit the modal the bot answered ``handle`` with."""
        modal = await handle.modal()
        rows: list[dict[str, Any]] = []
        for row in modal.get("components") or []:
            if row.get("type") == 1:
                inputs = [
                    {"type": c["type"], "custom_id": c["custom_id"], "value": values.get(c["custom_id"], "")}
                    for c in row.get("components") or []
                ]
                rows.append({"type": 1, "components": inputs})
            elif row.get("type") == 18 and isinstance(row.get("component"), dict):
                c = row["component"]
                answer: dict[str, Any] = {"type": c["type"], "custom_id": c["custom_id"]}
                if c["type"] == 4:
                    answer["value"] = values.get(c["custom_id"], "")
                else:
                    answer["values"] = values.get(c["custom_id"], [])
                rows.append({"type": 18, "id": row.get("id", 0), "component": answer})
        data = {"custom_id": modal["custom_id"], "components": rows}
        message = self._sb.world.messages.get(handle.interaction.message_id or 0)
        channel = self._sb.ops.channel(handle.interaction.channel_id)
        return await self._interact(5, data, channel, message=message, locale=locale)

    async def _interact(
        self,
        itype: int,
        data: dict[str, Any],
        channel: Channel,
        *,
        message: Message | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        sb = self._sb
        world = sb.world
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(60)
        inter = Interaction(
            id=world.ids.next(),
            token=token,
            type=itype,
            user_id=self.user.id,
            channel_id=channel.id,
            guild_id=channel.guild_id,
            data=data,
            locale=locale or self.user.locale,
            message_id=message.id if message is not None else None,
        )
        world.interactions[token] = inter
        perms = world.channel_permissions(channel, self.user.id)
        payload: dict[str, Any] = {
            "id": str(inter.id),
            "application_id": str(world.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel.id),
            "channel": world.channel_payload(channel),
            "token": token,
            "version": 1,
            "locale": inter.locale,
            "app_permissions": str(world.channel_permissions(channel, world.bot_user.id)),
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
            "entitlement_sku_ids": [],
        }
        if channel.guild_id is not None:
            guild = world.guilds[channel.guild_id]
            member = guild.members[self.user.id]
            payload.update(
                guild_id=str(guild.id),
                guild_locale=guild.preferred_locale,
                context=0,
                member=member.payload() | {"permissions": str(perms)},
                guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=self.user.payload(), context=1, authorizing_integration_owners={"0": str(world.owner.id)}
            )
        if message is not None:
            payload["message"] = world.message_payload(message)
        mark = sb.record.mark()
        sb.record.add(
            "interaction.create",
            actor_id=self.user.id,
            guild_id=channel.guild_id,
            channel_id=channel.id,
            message_id=message.id if message else None,
            data={"interaction_id": str(inter.id), "type": itype, "data": data, "locale": inter.locale},
        )
        sb.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=channel.guild_id)
        await asyncio.sleep(0)
        return InteractionHandle(self.kit, inter, mark)

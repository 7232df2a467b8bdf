"""A small plain discord.py bot that exercises what lcm-bot uses, to test the sandbox on its own."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands


class ButtonView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Solved", custom_id="mini:solved", style=discord.ButtonStyle.success)
    async def solved(self, interaction: discord.Interaction, button: discord.ui.Button[ButtonView]) -> None:
        await interaction.response.send_message(f"thanks {interaction.user.name}", ephemeral=True)

    @discord.ui.button(label="Edit", custom_id="mini:edit")
    async def edit(self, interaction: discord.Interaction, button: discord.ui.Button[ButtonView]) -> None:
        await interaction.response.edit_message(content="edited by click", view=None)

    @discord.ui.select(
        custom_id="mini:pick",
        options=[discord.SelectOption(label="A", value="a"), discord.SelectOption(label="B", value="b")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[ButtonView]) -> None:
        await interaction.response.send_message(f"picked {','.join(select.values)}", ephemeral=True)


class AskModal(discord.ui.Modal, title="Ask a question"):
    question = discord.ui.TextInput(label="Question", custom_id="mini:question")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got: {self.question.value}", ephemeral=True)


demo = app_commands.Group(
    name="demo", description="Demo commands", default_permissions=discord.Permissions(manage_guild=True)
)


@demo.command(name="status", description="Deferred status")
async def status(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await interaction.followup.send(f"status ok ({interaction.locale.value})", ephemeral=True)


@demo.command(name="echo", description="Echo a text")
@app_commands.describe(text="What to say", times="How many times")
async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
    await interaction.response.defer()
    await interaction.edit_original_response(content=" ".join([text] * times))


@demo.command(name="buttons", description="Post buttons")
async def buttons(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("choose", view=ButtonView())


@demo.command(name="ask", description="Open a modal")
async def ask(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(AskModal())


@demo.command(name="post", description="Open a forum post")
@app_commands.describe(forum="The forum", title="Title")
async def post(interaction: discord.Interaction, forum: discord.ForumChannel, title: str) -> None:
    tag = next(t for t in forum.available_tags if t.name == "question")
    created = await forum.create_thread(name=title, content="body", applied_tags=[tag])
    await interaction.response.send_message(f"posted {created.thread.id}", ephemeral=True)


@demo.command(name="pick", description="Pick a fruit")
@app_commands.describe(fruit="A fruit")
async def pick(interaction: discord.Interaction, fruit: str) -> None:
    await interaction.response.send_message(f"you picked {fruit}", ephemeral=True)


@pick.autocomplete("fruit")
async def pick_fruit(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    fruits = ["apple", "apricot", "banana"]
    return [app_commands.Choice(name=f, value=f) for f in fruits if f.startswith(current)]


@app_commands.context_menu(name="Greet")
async def greet(interaction: discord.Interaction, member: discord.Member) -> None:
    await interaction.response.send_message(f"hello {member.name}", ephemeral=True)


@app_commands.context_menu(name="Report message")
async def report(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"reported {message.id}", ephemeral=True)


class MiniBot(commands.Bot):
    def __init__(self, *, intents: discord.Intents | None = None, sync_guild: int | None = None) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
            intents.members = True
        super().__init__(
            command_prefix="!",
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        self.sync_guild = sync_guild
        self.seen: list[discord.Message] = []
        self.seen_changed = asyncio.Event()
        self.errors: list[BaseException] = []
        self.joined: list[int] = []

    async def setup_hook(self) -> None:
        self.tree.add_command(demo)
        self.tree.add_command(report)
        self.tree.add_command(greet)
        self.add_view(ButtonView())
        if self.sync_guild is not None:
            guild = discord.Object(self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            self.tree.clear_commands(guild=None)
            await self.tree.sync(guild=guild)
            await self.tree.sync()
        else:
            await self.tree.sync()

    async def wait_seen(self, count: int, timeout: float = 5.0) -> list[discord.Message]:
        """Wait until the bot has received ``count`` messages."""
        async with asyncio.timeout(timeout):
            while len(self.seen) < count:
                await self.seen_changed.wait()
        return self.seen

    async def on_member_join(self, member: discord.Member) -> None:
        self.joined.append(member.id)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen.append(message)
        changed, self.seen_changed = self.seen_changed, asyncio.Event()
        changed.set()
        content = message.content
        try:
            if content == "ping":
                await message.reply("pong")
            elif content == "thread":
                thread = await message.create_thread(name="discussion")
                await thread.send("in thread")
            elif content == "dm":
                await message.author.send("hello in private")
            elif content == "mention":
                roles = [r for r in message.guild.roles if r.name == "trainer"] if message.guild else []
                await message.channel.send(
                    f"{message.author.mention} {roles[0].mention} @everyone",
                    allowed_mentions=discord.AllowedMentions(
                        users=[message.author], roles=False, everyone=False
                    ),
                )
            elif content == "mention-all":
                await message.channel.send(
                    f"{message.author.mention} hi", allowed_mentions=discord.AllowedMentions.all()
                )
            elif content.startswith("react"):
                await message.add_reaction("✅")
            elif content == "pin":
                await message.pin()
            elif content == "embed":
                embed = discord.Embed(title="Title", description="Desc")
                embed.add_field(name="f", value="v")
                await message.channel.send(embed=embed, file=discord.File(__file__, filename="minibot.py"))
            elif content == "webhook":
                hook = await message.channel.create_webhook(name="relay")
                await hook.send(
                    "via webhook", username="Relay Bot", avatar_url="https://example.invalid/a.png", wait=True
                )
            elif content == "history":
                count = len([m async for m in message.channel.history(limit=10)])
                await message.channel.send(f"history {count}")
        except discord.HTTPException as exc:
            self.errors.append(exc)


async def _main() -> int:
    """Run MiniBot as a process, pointed at the URLs lcm-bot's settings use (for BotProcess tests)."""
    import asyncio
    import os
    import signal

    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = os.environ["LCM__DISCORD__API_BASE_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["LCM__DISCORD__GATEWAY_URL"])
    bot = MiniBot()
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []
    loop.add_signal_handler(signal.SIGINT, lambda: closing.append(loop.create_task(bot.close())))
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])
    return 0


if __name__ == "__main__":
    import asyncio
    import sys

    sys.exit(asyncio.run(_main()))

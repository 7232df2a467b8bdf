"""A ready-made world: one course server with its LCM, a trainer, learners, channels and a tagged forum."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.sandbox import permissions as P
from bot.sandbox.world import Channel, ChannelType, Guild, Overwrite, Role, User, World

LCM_PERMISSIONS = (
    P.MANAGE_GUILD
    | P.MANAGE_CHANNELS
    | P.MANAGE_MESSAGES
    | P.MANAGE_THREADS
    | P.MANAGE_ROLES
    | P.MENTION_EVERYONE
)
TRAINER_PERMISSIONS = P.MANAGE_MESSAGES | P.MANAGE_THREADS


@dataclass
class Classroom:
    """Handles on the seeded world, by role."""

    guild: Guild
    everyone: Role
    bot_role: Role
    lcm_role: Role
    trainer_role: Role
    learner_role: Role
    category: Channel
    general: Channel
    announcements: Channel
    questions: Channel
    forum: Channel
    staff: Channel
    lcm: User
    trainer: User
    learners: list[User] = field(default_factory=list)

    def tag(self, name: str) -> int:
        """The id of the forum tag called ``name``."""
        return next(int(t["id"]) for t in self.forum.available_tags if t["name"] == name)


def seed_classroom(
    world: World, *, learners: int = 3, bot_permissions: int = P.DEFAULT_BOT, name: str = "Promo Python 2026"
) -> Classroom:
    """Build a course server: roles LCM, trainer, learner; a category of text channels; a tagged forum."""
    guild = world.add_guild(name, bot_permissions=bot_permissions)
    bot_role = guild.roles[world.member(guild.id, world.bot_user.id).roles[0]]  # type: ignore[union-attr]
    learner_role = world.add_role(guild, "learner")
    trainer_role = world.add_role(guild, "trainer", permissions=TRAINER_PERMISSIONS, mentionable=True)
    lcm_role = world.add_role(guild, "LCM", permissions=LCM_PERMISSIONS, mentionable=True)
    # The bot's role sits above the roles it manages, as an LCM would arrange it.
    bot_role.position = max(r.position for r in guild.roles.values()) + 1
    category = world.add_channel(guild, "Cours", ChannelType.GUILD_CATEGORY)
    general = world.add_channel(guild, "general", parent=category, topic="Discussions libres")
    announcements = world.add_channel(guild, "annonces", parent=category)
    questions = world.add_channel(guild, "questions", parent=category)
    tags = [
        {
            "id": str(world.ids.next()),
            "name": n,
            "moderated": n == "résolu",
            "emoji_id": None,
            "emoji_name": None,
        }
        for n in ("question", "résolu", "module-1", "module-2")
    ]
    forum = world.add_channel(
        guild, "entraide", ChannelType.GUILD_FORUM, parent=category, available_tags=tags
    )
    staff = world.add_channel(
        guild,
        "staff",
        overwrites={
            guild.id: Overwrite(guild.id, 0, deny=P.VIEW_CHANNEL),
            lcm_role.id: Overwrite(lcm_role.id, 0, allow=P.VIEW_CHANNEL),
            trainer_role.id: Overwrite(trainer_role.id, 0, allow=P.VIEW_CHANNEL),
            bot_role.id: Overwrite(bot_role.id, 0, allow=P.VIEW_CHANNEL),
        },
    )
    lcm = world.add_user("alice", locale="fr")
    world.add_member(guild, lcm, [lcm_role])
    trainer = world.add_user("bruno", locale="fr")
    world.add_member(guild, trainer, [trainer_role])
    names = ["chloe", "david", "emma", "farid", "gaelle", "hugo", "ines", "jules"]
    learner_users = []
    for i in range(learners):
        username = names[i] if i < len(names) else f"learner{i}"
        user = world.add_user(username, locale="en-US" if i % 2 else "fr", accepts_dms=i != 1)
        world.add_member(guild, user, [learner_role])
        learner_users.append(user)
    return Classroom(
        guild=guild,
        everyone=guild.everyone,
        bot_role=bot_role,
        lcm_role=lcm_role,
        trainer_role=trainer_role,
        learner_role=learner_role,
        category=category,
        general=general,
        announcements=announcements,
        questions=questions,
        forum=forum,
        staff=staff,
        lcm=lcm,
        trainer=trainer,
        learners=learner_users,
    )

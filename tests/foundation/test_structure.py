"""Structure: cogs load, commands obey Discord's rules, the catalog is complete, services avoid discord."""

from __future__ import annotations

import ast
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot import db
from bot.app import LCMBot
from bot.command_lint import command_problems, valid_slash_name
from bot.i18n import Catalog, catalog
from bot.settings import load_settings
from bot.translator import CatalogTranslator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def loaded_bot():
    settings = load_settings(env={"LCM__BOT__DATABASE_URL": "sqlite+aiosqlite:///:memory:"})
    bot = LCMBot(settings)
    await db.upgrade(bot.engine, backup=False)
    await bot.tree.set_translator(CatalogTranslator())
    for cog in bot.build_cogs():
        await bot.add_cog(cog)
    yield bot
    await bot.engine.dispose()


async def test_every_cog_loads(loaded_bot: LCMBot) -> None:
    assert {type(cog).__name__ for cog in loaded_bot.build_cogs()} <= set(loaded_bot.cogs)
    assert loaded_bot.tree.get_commands(), "no application command registered"


async def test_command_tree_obeys_discord_rules_and_is_localized(loaded_bot: LCMBot) -> None:
    assert await command_problems(loaded_bot.tree, loaded_bot.tree.translator) == []


async def test_staff_groups_are_hidden_by_default_permissions(loaded_bot: LCMBot) -> None:
    for name in ("lcm", "feed", "topic"):
        group = loaded_bot.tree.get_command(name)
        if group is None:
            continue
        assert group.default_permissions is not None and group.default_permissions.manage_guild, name
        assert group.guild_only, name


def test_slash_name_rule() -> None:
    assert valid_slash_name("ajouter-flux")
    assert valid_slash_name("réglages")
    assert valid_slash_name("etat_2")
    assert not valid_slash_name("Ajouter flux")
    assert not valid_slash_name("Etat")
    assert not valid_slash_name("x" * 33)
    assert not valid_slash_name("")


def _bad_tree(
    catalog_entries: dict[str, dict[str, str]],
) -> tuple[app_commands.CommandTree, CatalogTranslator]:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    group = app_commands.Group(name="demo", description="A demo group")

    @group.command(name="ok", description="Fine")
    async def ok(interaction: discord.Interaction, value: int) -> None: ...

    @group.command(name="nodesc")
    async def nodesc(interaction: discord.Interaction) -> None:
        pass

    tree.add_command(group)
    return tree, CatalogTranslator(Catalog(catalog_entries))


async def test_lint_reports_missing_description_bad_french_name_and_missing_translation() -> None:
    entries = {
        "cmd.demo.name": {"en": "demo", "fr": "démo"},
        "cmd.demo.description": {"en": "A demo group", "fr": "Un groupe de démo"},
        "cmd.demo.ok.name": {"en": "ok", "fr": "Pas Bon"},
        "cmd.demo.ok.description": {"en": "Fine", "fr": "Bien"},
        "cmd.demo.ok.value.name": {"en": "value", "fr": "valeur"},
        # the parameter's French description is missing on purpose
        "cmd.demo.nodesc.name": {"en": "nodesc", "fr": "sansdesc"},
        "cmd.demo.nodesc.description": {"en": "…", "fr": "…"},
    }
    tree, translator = _bad_tree(entries)
    problems = await command_problems(tree, translator)
    assert "/demo nodesc: missing description" in problems
    assert any("/demo ok: invalid fr name 'Pas Bon'" in p for p in problems)
    assert "/demo ok [value]: missing description" in problems
    assert "/demo ok [value]: no fr description" in problems


def test_catalog_same_keys_and_placeholders_in_both_languages() -> None:
    assert catalog().problems() == []


def test_catalog_check_reports_a_missing_language_and_different_placeholders() -> None:
    bad = Catalog(
        {
            "a": {"en": "Hello {name}", "fr": "Bonjour {nom}"},
            "b": {"en": "Only English"},
            "c": {"en": "ok", "fr": "ok"},
        }
    )
    problems = bad.problems()
    assert any(p.startswith("a: placeholders differ") for p in problems)
    assert "b: missing fr" in problems
    assert not any(p.startswith("c:") for p in problems)


def test_catalog_rejects_a_key_defined_twice(tmp_path: Path) -> None:
    (tmp_path / "one.toml").write_text('["x"]\nen = "a"\nfr = "b"\n', encoding="utf-8")
    (tmp_path / "two.toml").write_text('["x"]\nen = "c"\nfr = "d"\n', encoding="utf-8")
    from bot.i18n import CatalogError

    with pytest.raises(CatalogError, match="defined in both"):
        Catalog.load(tmp_path)


def test_command_catalog_english_matches_code(loaded_bot: LCMBot) -> None:
    """The catalog's English command names are the names in code (so the catalog cannot drift)."""
    messages = catalog()
    for key in list(messages.keys()):
        if key.startswith("cmd.") and key.endswith(".name"):
            path = key[len("cmd.") : -len(".name")].split(".")
            cmd = loaded_bot.tree.get_command(path[0])
            assert cmd is not None, f"{key}: no command /{path[0]}"
            for part in path[1:]:
                if isinstance(cmd, app_commands.Group):
                    cmd = cmd.get_command(part)
                    assert cmd is not None, f"{key}: no such command"
                else:
                    assert part in {p.name for p in cmd.parameters}, f"{key}: no parameter {part!r}"
                    break
            assert messages.raw(key, "en") == path[-1], key


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_do_not_import_discord() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot" / "services").rglob("*.py")
        if any(name == "discord" or name.startswith("discord.") for name in _imports(path))
    ]
    assert offenders == []


def test_the_import_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "svc.py"
    sample.write_text("from discord.ext import commands\n", encoding="utf-8")
    assert "discord.ext" in _imports(sample)


def test_every_model_module_is_imported_by_models_package() -> None:
    init = (ROOT / "models" / "__init__.py").read_text(encoding="utf-8")
    for path in (ROOT / "models").glob("*.py"):
        if path.stem not in ("__init__", "base"):
            assert f"models.{path.stem}" in init, f"models/__init__.py does not import {path.stem}"

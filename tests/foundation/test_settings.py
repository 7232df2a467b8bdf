"""Settings: defaults, TOML, environment overrides and validation errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings, mask_url

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_without_any_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.source == "defaults"
    assert settings.bot.language == "fr"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("data/lcm-bot.sqlite3")
    assert settings.token is None


def test_example_config_is_valid_and_documents_every_key() -> None:
    import dataclasses
    import tomllib

    example = ROOT / "config.example.toml"
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    settings = load_settings(example, env={})
    for section, values in data.items():
        defaults = dataclasses.asdict(getattr(settings, section).__class__())
        assert set(values) == set(defaults), f"[{section}] documents {sorted(values)}, has {sorted(defaults)}"
        assert values == defaults, f"[{section}]: the example must show the defaults"
    for field in dataclasses.fields(settings):
        if dataclasses.is_dataclass(field.default_factory):
            assert field.name in data, f"config.example.toml lacks [{field.name}]"


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\nlanguage = "en"\n[feeds]\nmax_items_per_poll = 5\n', encoding="utf-8")
    env = {
        "LCM__FEEDS__MAX_ITEMS_PER_POLL": "2",
        "LCM__BOT__SYNC_COMMANDS": "false",
        "DISCORD_TOKEN": " abc ",
    }
    settings = load_settings(path, env=env)
    assert settings.bot.language == "en"
    assert settings.feeds.max_items_per_poll == 2
    assert settings.bot.sync_commands is False
    assert settings.token == "abc"


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text('[bot]\nlanguage = "en"\n', encoding="utf-8")
    assert load_settings(env={"LCM_CONFIG": str(path)}).bot.language == "en"


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("[bot]\nlanguge = 'fr'\n", {}, "bot.languge: unknown key"),
        ("[robot]\n", {}, "robot: unknown section"),
        ("[bot]\nlanguage = 3\n", {}, "bot.language: expected str, got int"),
        ("[feeds]\nmax_items_per_poll = true\n", {}, "feeds.max_items_per_poll: expected int"),
        ("[bot]\nlanguage = 'de'\n", {}, "bot.language: must be 'fr' or 'en'"),
        ("[bot]\ndatabase_url = 'mysql://x'\n", {}, "bot.database_url: must start with"),
        ("[feeds]\nmin_poll_minutes = 0\n", {}, "feeds.min_poll_minutes: must be at least 1"),
        ("[bot\n", {}, "invalid TOML"),
        (
            "",
            {"LCM__FEEDS__CONCURRENCY": "many"},
            "LCM__FEEDS__CONCURRENCY (feeds.concurrency): expected int",
        ),
        ("", {"LCM__BOT__NOPE": "1"}, "LCM__BOT__NOPE: names no known setting"),
    ],
)
def test_errors_name_the_key_and_the_problem(tmp_path: Path, content: str, env: dict, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env=env)
    assert message in str(info.value)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "missing.toml", env={})


def test_secrets_are_masked() -> None:
    assert (
        mask_url("postgresql+asyncpg://bot:s3cret@db:5432/lcm") == "postgresql+asyncpg://bot:***@db:5432/lcm"
    )
    assert mask_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    settings = load_settings(
        env={"DISCORD_TOKEN": "tok", "LCM__BOT__DATABASE_URL": "postgresql+asyncpg://u:pw@h/d"}
    )
    shown = repr(settings.redacted())
    assert "tok" not in shown and "pw" not in shown


def test_organizing_delays_reach_the_services() -> None:
    from datetime import timedelta

    from bot import db
    from bot.app import Services
    from bot.clock import FakeClock

    settings = load_settings(
        env={"LCM__ORGANIZING__SOLVED_IDLE_HOURS": "2", "LCM__ORGANIZING__NUDGE_AFTER_DAYS": "1.5"}
    )
    engine = db.create_engine("sqlite+aiosqlite:///:memory:")
    services = Services.build(settings, db.create_sessionmaker(engine), FakeClock())
    assert services.topics.rules.solved_close == timedelta(hours=2)
    assert services.followups.rules.nudge_after == timedelta(days=1.5)
    assert services.followups.rules.channel_warn_after == timedelta(days=21)

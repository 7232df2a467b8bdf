"""Typed settings: ``config.toml`` plus environment overrides, validated once at start-up.

Every key is documented, with its default, in ``config.example.toml``. An environment variable
``LCM__SECTION__KEY`` overrides ``[section] key``; the token comes only from ``DISCORD_TOKEN``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

CONFIG_ENV = "LCM_CONFIG"
TOKEN_ENV = "DISCORD_TOKEN"
ENV_PREFIX = "LCM__"
DEFAULT_CONFIG_PATH = Path("config.toml")


@dataclass(frozen=True)
class BotSettings:
    language: str = "fr"
    log_level: str = "INFO"
    data_dir: str = "data"
    database_url: str = ""
    sync_commands: bool = True
    backup_sqlite_before_migrating: bool = True

    def validate(self) -> None:
        if self.language not in ("fr", "en"):
            raise ConfigError(f"bot.language: must be 'fr' or 'en', not {self.language!r}")
        if self.log_level.upper() not in logging.getLevelNamesMapping():
            raise ConfigError(
                f"bot.log_level: unknown level {self.log_level!r} (use DEBUG, INFO, WARNING, ERROR)"
            )
        if self.database_url and not self.database_url.startswith(
            ("sqlite+aiosqlite://", "postgresql+asyncpg://")
        ):
            raise ConfigError(
                "bot.database_url: must start with 'sqlite+aiosqlite://' or 'postgresql+asyncpg://', "
                f"not {self.database_url.split(':', 1)[0]!r}"
            )


@dataclass(frozen=True)
class DiscordSettings:
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    guild_ready_timeout: float = 2.0

    def validate(self) -> None:
        if not self.api_base_url.startswith(("http://", "https://")):
            raise ConfigError("discord.api_base_url: must be an http:// or https:// URL")
        if not self.gateway_url.startswith(("ws://", "wss://")):
            raise ConfigError("discord.gateway_url: must be a ws:// or wss:// URL")
        if not 0 <= self.guild_ready_timeout <= 60:
            raise ConfigError("discord.guild_ready_timeout: must be between 0 and 60 seconds")


@dataclass(frozen=True)
class FeedSettings:
    allow_private_addresses: bool = False
    default_poll_minutes: int = 15
    min_poll_minutes: int = 5
    max_items_per_poll: int = 3
    max_age_days: int = 7
    timeout_seconds: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    concurrency: int = 50
    failure_threshold: int = 10
    failure_days: int = 3

    def validate(self) -> None:
        for name in (
            "default_poll_minutes",
            "min_poll_minutes",
            "max_items_per_poll",
            "max_age_days",
            "max_bytes",
            "concurrency",
            "failure_threshold",
            "failure_days",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"feeds.{name}: must be at least 1")
        if self.default_poll_minutes < self.min_poll_minutes:
            raise ConfigError("feeds.default_poll_minutes: must not be below feeds.min_poll_minutes")
        if self.timeout_seconds <= 0:
            raise ConfigError("feeds.timeout_seconds: must be positive")
        if self.max_redirects < 0:
            raise ConfigError("feeds.max_redirects: must not be negative")


@dataclass(frozen=True)
class OrganizingSettings:
    solved_idle_hours: float = 24.0
    nudge_after_days: float = 3.0
    channel_idle_days: float = 21.0
    archive_after_warning_days: float = 3.0

    def validate(self) -> None:
        for name in (
            "solved_idle_hours",
            "nudge_after_days",
            "channel_idle_days",
            "archive_after_warning_days",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(f"organizing.{name}: must be positive")


@dataclass(frozen=True)
class Settings:
    bot: BotSettings = field(default_factory=BotSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    organizing: OrganizingSettings = field(default_factory=OrganizingSettings)
    token: str | None = field(default=None, repr=False)
    source: str = "defaults"

    @property
    def data_path(self) -> Path:
        return Path(self.bot.data_dir).expanduser()

    @property
    def database_url(self) -> str:
        """The configured URL, else an SQLite file in the data directory."""
        if self.bot.database_url:
            return self.bot.database_url
        return f"sqlite+aiosqlite:///{(self.data_path / 'lcm-bot.sqlite3').resolve()}"

    def validate(self) -> None:
        for section in _sections():
            getattr(self, section).validate()

    def redacted(self) -> dict[str, dict[str, Any]]:
        """The resolved settings with secrets masked, for ``check-config``."""
        out: dict[str, dict[str, Any]] = {}
        for section in _sections():
            values = dataclasses.asdict(getattr(self, section))
            if section == "bot":
                values["database_url"] = mask_url(self.database_url)
            out[section] = values
        out["secrets"] = {"DISCORD_TOKEN": "set (hidden)" if self.token else "not set"}
        return out


def _sections() -> list[str]:
    return [f.name for f in dataclasses.fields(Settings) if dataclasses.is_dataclass(f.default_factory)]  # type: ignore[arg-type]


def mask_url(url: str) -> str:
    """Hide the password of a database URL."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}" if ":" in creds else url


def _coerce(value: Any, kind: Any, where: str, from_env: bool) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if from_env and isinstance(value, str):
        text = value.strip()
        try:
            if kind is bool:
                if text.lower() in ("1", "true", "yes", "on"):
                    return True
                if text.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            if kind is int:
                return int(text)
            if kind is float:
                return float(text)
        except ValueError:
            raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}") from None
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def _build(data: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    known = {f.name: f for f in dataclasses.fields(Settings) if f.name in _sections()}
    for section, values in data.items():
        if section not in known:
            raise ConfigError(f"{section}: unknown section (known: {', '.join(known)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{section}: must be a table")
    built: dict[str, Any] = {}
    for name, f in known.items():
        cls = f.default_factory  # type: ignore[assignment]
        hints = typing.get_type_hints(cls)
        fields = {x.name for x in dataclasses.fields(cls)}
        values = dict(data.get(name, {}))
        for key in values:
            if key not in fields:
                raise ConfigError(f"{name}.{key}: unknown key (known: {', '.join(sorted(fields))})")
        kwargs = {k: _coerce(v, hints[k], f"{name}.{k}", from_env=False) for k, v in values.items()}
        for key in fields:
            env_name = f"{ENV_PREFIX}{name}__{key}".upper()
            if env_name in env:
                kwargs[key] = _coerce(env[env_name], hints[key], f"{env_name} ({name}.{key})", from_env=True)
        built[name] = cls(**kwargs)
    for env_name in env:
        if env_name.startswith(ENV_PREFIX):
            parts = env_name[len(ENV_PREFIX) :].lower().split("__")
            if (
                len(parts) != 2
                or parts[0] not in known
                or parts[1]
                not in {
                    x.name
                    for x in dataclasses.fields(known[parts[0]].default_factory)  # type: ignore[arg-type]
                }
            ):
                raise ConfigError(f"{env_name}: names no known setting (use LCM__SECTION__KEY)")
    return built


def load_settings(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Load, override from the environment and validate; raise ConfigError naming the key."""
    env = os.environ if env is None else env
    explicit = path is not None or bool(env.get(CONFIG_ENV))
    config_path = Path(path or env.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)
    data: dict[str, Any] = {}
    source = "defaults"
    if config_path.exists():
        try:
            with config_path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: invalid TOML ({exc})") from None
        except OSError as exc:
            raise ConfigError(f"{config_path}: cannot read ({exc.strerror})") from None
        source = str(config_path)
    elif explicit:
        raise ConfigError(f"{config_path}: config file not found")
    token = (env.get(TOKEN_ENV) or "").strip() or None
    settings = Settings(**_build(data, env), token=token, source=source)
    settings.validate()
    return settings

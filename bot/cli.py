"""The ``lcm-bot`` command line. Bad input gives one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.errors import ConfigError
from bot.settings import Settings, load_settings

EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"lcm-bot: {message}", file=sys.stderr)
    return code


def ensure_data_dir(settings: Settings) -> None:
    """Create the data directory when the database lives there; ConfigError when it cannot be written."""
    if settings.bot.database_url:
        return
    path = settings.data_path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"bot.data_dir: cannot create {str(path)!r} ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"bot.data_dir: {str(path)!r} is not writable")


async def prepare_database(settings: Settings, *, migrate: bool) -> str | None:
    """Reach the database (and migrate it); raise ConfigError with a clear reason when it cannot."""
    from sqlalchemy import text

    from bot import db
    from bot.settings import mask_url

    engine = db.create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        if migrate:
            await db.upgrade(engine, backup=settings.bot.backup_sqlite_before_migrating)
        return await db.current_revision(engine)
    except ConfigError:
        raise
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"database: cannot use {mask_url(settings.database_url)} ({reason})") from None
    finally:
        await engine.dispose()


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.app import TOKEN_HELP, run_bot
    from bot.logging_setup import configure_logging

    if not settings.token:
        return _fail(TOKEN_HELP)
    ensure_data_dir(settings)
    configure_logging(settings.bot.log_level)
    asyncio.run(prepare_database(settings, migrate=True))
    return asyncio.run(run_bot(settings))


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    ensure_data_dir(settings)
    revision = asyncio.run(prepare_database(settings, migrate=True))
    print(f"database at revision {revision}")
    return 0


def cmd_check_config(settings: Settings, _args: argparse.Namespace) -> int:
    ensure_data_dir(settings)
    revision = asyncio.run(prepare_database(settings, migrate=False))
    print(f"config: {settings.source}")
    print(json.dumps(settings.redacted(), indent=2))
    print(f"database: reachable, revision {revision or 'none (run `lcm-bot db upgrade`)'}")
    return 0


def cmd_demo(_settings: Settings | None, args: argparse.Namespace) -> int:
    try:
        from bot.sandbox.demo import run_demo
    except ImportError:
        return _fail("the demo is not available in this build")
    return run_demo(keep=args.keep)


def cmd_duplicates_match(_settings: Settings | None, args: argparse.Namespace) -> int:
    from bot.services.matching.cli import run_match_cli

    return run_match_cli(Path(args.corpus), sys.stdin, sys.stdout, threshold=args.threshold)


def cmd_feed_preview(settings: Settings | None, args: argparse.Namespace) -> int:
    from bot.services.feeds.preview import run_preview_cli

    allow_private = args.allow_private or bool(settings and settings.feeds.allow_private_addresses)
    return run_preview_cli(
        args.source, as_json=args.json, stdout=sys.stdout, stderr=sys.stderr, allow_private=allow_private
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lcm-bot", description="A learning community manager for Discord.")
    parser.add_argument("--version", action="version", version=f"lcm-bot {__version__}")
    parser.add_argument("--config", help="path to config.toml (default: $LCM_CONFIG, else ./config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="run the bot (needs DISCORD_TOKEN)").set_defaults(func=cmd_run)
    dbp = sub.add_parser("db", help="database maintenance")
    dbsub = dbp.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dbsub.add_parser("upgrade", help="apply every pending migration").set_defaults(func=cmd_db_upgrade)
    sub.add_parser(
        "check-config", help="validate the config, reach the database, print the settings"
    ).set_defaults(func=cmd_check_config)
    demo = sub.add_parser("demo", help="run the bot against a local Discord sandbox and print a transcript")
    demo.add_argument("--keep", action="store_true", help="keep the sandbox running to try it by hand")
    demo.set_defaults(func=cmd_demo, no_settings=True)

    dup = sub.add_parser("duplicates", help="duplicate-question matching")
    dupsub = dup.add_subparsers(dest="dup_command", metavar="ACTION", required=True)
    match = dupsub.add_parser("match", help="match questions read from stdin against a TSV corpus")
    match.add_argument("--corpus", required=True, help="UTF-8 TSV file: key<TAB>question, one per line")
    match.add_argument("--threshold", type=float, default=None, help="override the default threshold")
    match.set_defaults(func=cmd_duplicates_match, no_settings=True)

    feed = sub.add_parser("feed", help="try a feed without Discord")
    feedsub = feed.add_subparsers(dest="feed_command", metavar="ACTION", required=True)
    preview = feedsub.add_parser("preview", help="print the items of a feed as they would be posted")
    preview.add_argument("source", metavar="URL_OR_FILE")
    preview.add_argument("--json", action="store_true", help="one JSON object per item")
    preview.add_argument("--allow-private", action="store_true", help="allow private/loopback addresses")
    preview.set_defaults(func=cmd_feed_preview, optional_settings=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    settings: Settings | None = None
    try:
        if not getattr(args, "no_settings", False):
            try:
                settings = load_settings(args.config)
            except ConfigError:
                if not getattr(args, "optional_settings", False):
                    raise
        return args.func(settings, args)
    except ConfigError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

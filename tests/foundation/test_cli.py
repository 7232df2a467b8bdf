"""The command line: each bad input gives one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LCM") and k != "DISCORD_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {}), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_clear_line(proc: subprocess.CompletedProcess, needle: str, code: int = 2) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in lines[0], lines[0]


def test_version(tmp_path: Path) -> None:
    proc = run_cli("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("lcm-bot ")


def test_run_without_token_names_discord_token(tmp_path: Path) -> None:
    proc = run_cli("run", cwd=tmp_path)
    assert_one_clear_line(proc, "DISCORD_TOKEN")
    assert "discord.com/developers/applications" in proc.stderr


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("[bot\n", "invalid TOML"),
        ("[bot]\nnope = 1\n", "bot.nope: unknown key"),
        ("[bot]\nsync_commands = 'yes'\n", "bot.sync_commands: expected bool"),
    ],
)
def test_bad_config(tmp_path: Path, config: str, needle: str) -> None:
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    for command in (("run",), ("check-config",), ("db", "upgrade")):
        assert_one_clear_line(run_cli(*command, cwd=tmp_path, env={"DISCORD_TOKEN": "x"}), needle)


def test_unreachable_database(tmp_path: Path) -> None:
    env = {"LCM__BOT__DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none", "DISCORD_TOKEN": "x"}
    for command in (("check-config",), ("run",)):
        assert_one_clear_line(run_cli(*command, cwd=tmp_path, env=env), "database: cannot use")


def test_data_dir_is_a_file(tmp_path: Path) -> None:
    """An unusable data directory (here a file is in the way; tests run as root, so modes do not stop it)."""
    (tmp_path / "blocker").write_text("not a directory", encoding="utf-8")
    proc = run_cli(
        "check-config", cwd=tmp_path, env={"LCM__BOT__DATA_DIR": str(tmp_path / "blocker" / "data")}
    )
    assert_one_clear_line(proc, "bot.data_dir: cannot create")


def test_check_config_prints_resolved_settings_with_secrets_masked(tmp_path: Path) -> None:
    proc = run_cli("check-config", cwd=tmp_path, env={"DISCORD_TOKEN": "very-secret-token"})
    assert proc.returncode == 0, proc.stderr
    assert "very-secret-token" not in proc.stdout
    assert '"DISCORD_TOKEN": "set (hidden)"' in proc.stdout
    assert "database: reachable" in proc.stdout
    assert (tmp_path / "data").is_dir()


def test_db_upgrade_creates_the_database_in_the_data_dir(tmp_path: Path) -> None:
    proc = run_cli("db", "upgrade", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "database at revision" in proc.stdout
    assert (tmp_path / "data" / "lcm-bot.sqlite3").exists()

"""Pure logic of the organizing capability: read-only overwrites, idle rules, transcripts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.organizing import IdleRules, OverwriteSpec, TranscriptMessage, TranscriptPlace, figures
from bot.services.organizing.overwrites import (
    SEND_MESSAGES,
    VIEW_CHANNEL,
    WRITE_BITS,
    dump,
    load,
    read_only,
)
from bot.services.organizing.transcript import render_markdown

EVERYONE, LEARNERS, STAFF, BOT, MEMBER = 1, 2, 3, 4, 5
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_read_only_takes_writing_from_everyone_but_the_writers_and_keeps_visibility() -> None:
    before = [
        OverwriteSpec(EVERYONE, 0, 0, VIEW_CHANNEL),
        OverwriteSpec(LEARNERS, 0, VIEW_CHANNEL | SEND_MESSAGES, 0),
        OverwriteSpec(MEMBER, 1, SEND_MESSAGES, 0),
    ]
    after = {
        o.target_id: o
        for o in read_only(before, everyone_id=EVERYONE, writers={STAFF, BOT}, writer_type={STAFF: 0, BOT: 1})
    }
    assert after[EVERYONE].deny & VIEW_CHANNEL and after[EVERYONE].deny & WRITE_BITS == WRITE_BITS
    assert after[LEARNERS].allow == VIEW_CHANNEL and after[LEARNERS].deny & SEND_MESSAGES
    assert after[MEMBER].allow == 0 and after[MEMBER].type == 1
    assert after[BOT].type == 1 and after[BOT].allow & WRITE_BITS == WRITE_BITS
    assert after[STAFF].allow & SEND_MESSAGES and not after[STAFF].deny & SEND_MESSAGES


def test_read_only_adds_an_everyone_overwrite_when_there_is_none() -> None:
    after = read_only([], everyone_id=EVERYONE, writers=set(), writer_type={})
    assert after == [OverwriteSpec(EVERYONE, 0, 0, WRITE_BITS)]


def test_overwrites_round_trip_through_json_exactly() -> None:
    specs = [OverwriteSpec(2**62, 1, 2**40, 3), OverwriteSpec(EVERYONE, 0, 0, 1024)]
    assert load(dump(specs)) == sorted(specs)
    assert load(None) == [] and load("") == []


def test_idle_rules_deadlines() -> None:
    rules = IdleRules()
    assert rules.close_due(T0, T0 - timedelta(hours=3)) == T0 + timedelta(hours=24)
    assert rules.close_due(T0, T0 + timedelta(hours=3)) == T0 + timedelta(hours=27)
    assert rules.nudge_due(T0) == T0 + timedelta(days=3)
    assert rules.warn_due(T0) == T0 + timedelta(days=21)
    assert rules.archive_due(T0) == T0 + timedelta(days=3)


def test_transcript_has_every_message_in_order_with_threads_attachments_and_bots() -> None:
    channel = TranscriptPlace(
        "#projet",
        [
            TranscriptMessage(i, T0 + timedelta(minutes=i), 10 + i % 2, f"user{i % 2}", f"ligne {i}\nsuite é")
            for i in range(250)
        ],
    )
    channel.messages.append(
        TranscriptMessage(
            999, T0, 77, "lcm-bot", "", bot=True, attachments=("https://cdn/x.png",), embeds=("Titre\nTexte",)
        )
    )
    thread = TranscriptPlace("#projet › aparté", [TranscriptMessage(1000, T0, 12, "user2", "dans le fil")])
    empty = TranscriptPlace("#projet › vide")
    text = render_markdown("#projet", ["header line"], [channel, thread, empty])
    assert [line for line in text.splitlines() if line.startswith("> ligne")] == [
        f"> ligne {i}" for i in range(250)
    ]
    assert "> suite é" in text and "[bot]" in text and "> [attachment] https://cdn/x.png" in text
    assert "> [embed] Titre" in text and "### #projet › aparté" in text and "_(no messages)_" in text
    counted = figures([channel, thread, empty])
    assert counted.messages == 252 and counted.participants == 3  # the bot is not a participant

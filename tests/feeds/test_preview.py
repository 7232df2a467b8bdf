"""The preview CLI logic: human and JSON output, one clear line on failure."""

from __future__ import annotations

import asyncio
import io
import json
import threading

from aiohttp import web

from bot.services.feeds.preview import run_preview_cli

from .conftest import FIXTURES, LocalServer, fixture_bytes


def run(source: str, *, as_json: bool = False, allow_private: bool = False, lang: str = "en"):
    out, err = io.StringIO(), io.StringIO()
    code = run_preview_cli(
        source, as_json=as_json, stdout=out, stderr=err, allow_private=allow_private, lang=lang
    )
    return code, out.getvalue(), err.getvalue()


def test_human_output_from_a_file():
    code, out, err = run(str(FIXTURES / "rss20.xml"))
    assert code == 0 and err == ""
    assert "Cours Python & co — 3 item(s)" in out
    assert "• Les générateurs en Python  [2026-01-05 07:00 UTC]" in out
    assert "https://example.org/generateurs" in out


def test_json_output():
    code, out, err = run(str(FIXTURES / "missing_date.xml"), as_json=True)
    assert code == 0 and err == ""
    items = [json.loads(line) for line in out.splitlines()]
    assert items[0] == {
        "key": "id:undated-1",
        "title": "Undated item",
        "link": "https://nodate.example/undated",
        "summary": "",
        "published": None,
    }
    code, out, _ = run(str(FIXTURES / "rss20.xml"), as_json=True)
    assert json.loads(out.splitlines()[0])["published"] == "2026-01-05T07:00:00+00:00"


def test_failures_are_one_line_and_exit_1(tmp_path):
    for source in (str(tmp_path / "missing.xml"), str(FIXTURES / "not_a_feed.html"), "ftp://example.org/x"):
        code, out, err = run(source, lang="fr")
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err, err
    _, _, err = run(str(FIXTURES / "not_a_feed.html"), lang="en")
    assert "not an RSS or Atom feed" in err


def test_url_preview_and_refusal():
    server = LocalServer()

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=fixture_bytes("atom10.xml"), content_type="application/atom+xml")

    server.route("/feed", feed)
    # The CLI runs its own event loop, so the server lives in a thread with another loop.
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)
    try:
        code, out, err = run(server.url("/feed"), allow_private=True)
        assert code == 0, err
        assert "Week 2: recursion" in out
        code, out, err = run(server.url("/feed"))
        assert code == 1 and "private or local network" in err
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

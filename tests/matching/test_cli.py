"""run_match_cli: TSV corpus in, one JSON object per stdin line out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.services.matching import DEFAULT_THRESHOLD, run_match_cli

CORPUS = (
    "q:1\tComment rendre le devoir 2 ?\n"
    "q:2\tComment rendre le devoir 3 ?\n"
    "kb:7\tI forgot my password, how do I reset it?\n"
    "\n"
    "q:3\tOù trouver les diapos du cours 4 ?\n"
)


class RecordingStdout(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes: list[int] = []

    def flush(self) -> None:
        self.flushes.append(len(self.getvalue().splitlines()))
        super().flush()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.tsv"
    path.write_text(CORPUS, encoding="utf-8")
    return path


def run(corpus: Path, lines: str, **kwargs) -> tuple[int, list[dict], RecordingStdout]:
    stdout = RecordingStdout()
    code = run_match_cli(corpus, io.StringIO(lines), stdout, **kwargs)
    return code, [json.loads(line) for line in stdout.getvalue().splitlines()], stdout


def test_one_object_per_line_with_matches_best_first(corpus: Path) -> None:
    code, out, stdout = run(
        corpus, "comment rendre le devoir 2\n\nj'ai oublié mon mot de passe\nfoot ce soir ?\n"
    )
    assert code == 0
    assert [o["query"] for o in out] == [
        "comment rendre le devoir 2",
        "",
        "j'ai oublié mon mot de passe",
        "foot ce soir ?",
    ]
    assert [m["key"] for m in out[0]["matches"]] == ["q:1"]
    assert out[1]["matches"] == []
    assert [m["key"] for m in out[2]["matches"]] == ["kb:7"]
    assert out[3]["matches"] == []
    assert stdout.flushes == [1, 2, 3, 4]  # flushed after every line, so it works interactively
    for obj in out:
        assert set(obj) == {"query", "matches"}
        scores = [m["score"] for m in obj["matches"]]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 and s >= DEFAULT_THRESHOLD for s in scores)
        assert len(scores) <= 3


def test_non_ascii_is_kept_verbatim(corpus: Path) -> None:
    _, out, _ = run(corpus, "Où sont les diapos du cours 4 ?\r\n")
    assert out[0]["query"] == "Où sont les diapos du cours 4 ?"
    assert out[0]["matches"][0]["key"] == "q:3"


def test_threshold_override(corpus: Path) -> None:
    _, strict, _ = run(corpus, "rendre devoir 2 en retard\n", threshold=0.99)
    _, loose, _ = run(corpus, "rendre devoir 2 en retard\n", threshold=0.0)
    assert strict[0]["matches"] == []
    assert [m["key"] for m in loose[0]["matches"]][:1] == ["q:1"]


def test_missing_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(tmp_path / "absent.tsv", "hello\n")
    assert code == 2 and out == []
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "absent.tsv" in err[0]


def test_directory_as_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "hello\n")[0] == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "content",
    [b"q:1 no tab here\n", b"\tquestion without key\n", b"q:1\tok\n\xff\xfe broken utf-8\n"],
)
def test_bad_corpus_lines(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(content)
    assert run(path, "hello\n")[0] == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.tsv" in err[0]


def test_empty_corpus_answers_with_no_matches(tmp_path: Path) -> None:
    path = tmp_path / "empty.tsv"
    path.write_text("", encoding="utf-8")
    code, out, _ = run(path, "anything\n")
    assert code == 0 and out == [{"query": "anything", "matches": []}]


def test_bom_and_crlf_corpus(tmp_path: Path) -> None:
    path = tmp_path / "win.tsv"
    path.write_bytes("\ufeffq:1\tComment rendre le devoir 2 ?\r\n".encode())
    _, out, _ = run(path, "rendre le devoir 2\n")
    assert out[0]["matches"][0]["key"] == "q:1"


def test_real_streams_with_invalid_bytes_in_a_query(corpus: Path) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"rendre le devoir 2\n\xff\xfe devoir 3\n"), encoding="ascii")
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="ascii", write_through=True)
    assert run_match_cli(corpus, stdin, stdout) == 0
    lines = raw.getvalue().decode("utf-8").splitlines()
    assert [json.loads(line)["matches"][0]["key"] for line in lines] == ["q:1", "q:2"]


def test_zero_threshold_shows_only_questions_sharing_something(corpus: Path) -> None:
    _, out, _ = run(corpus, "devoir\n", threshold=0.0)
    assert {m["key"] for m in out[0]["matches"]} == {"q:1", "q:2"}
    assert all(m["score"] > 0 for m in out[0]["matches"])


def test_lcm_bot_duplicates_match_end_to_end(corpus: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "duplicates", "match", "--corpus", str(corpus)],
        input="Où sont les diapos du cours 4 ?\n\n".encode(),
        capture_output=True,
        cwd=root,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert lines == [
        {"query": "Où sont les diapos du cours 4 ?", "matches": [{"key": "q:3", "score": 1.0}]},
        {"query": "", "matches": []},
    ]
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "duplicates", "match", "--corpus", str(corpus) + ".absent"],
        input=b"x\n",
        capture_output=True,
        cwd=root,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2 and len(missing.stderr.decode().strip().splitlines()) == 1

"""Hostile input stays within bounded time and memory and ends in a KvnetInputError (or loads)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kvnet.errors import InputProblem, KvnetInputError
from kvnet.load import LoadLimits, SourceFile, load_file, to_plain

Loader = Callable[..., SourceFile]
Failing = Callable[..., InputProblem]


@contextmanager
def bounded(seconds: float, megabytes: float | None = None) -> Iterator[None]:
    """Fail when the block takes longer, or allocates more at its peak, than allowed."""
    if megabytes is not None:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        peak = 0
        if megabytes is not None:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f}s"
    if megabytes is not None:
        assert peak < megabytes * 2**20, f"peak {peak / 2**20:.1f} MiB"


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_stops_early(fail: Failing) -> None:
    with bounded(seconds=2, megabytes=20):
        problem = fail(billion_laughs())
    assert "alias expansion" in problem.message
    assert problem.span is not None and problem.span.line <= 7


def test_a_modest_use_of_aliases_loads(load: Loader) -> None:
    data = load(billion_laughs(levels=4)).documents[0].data  # 9**4 = 6561 values
    assert len(to_plain(data)["a3"]) == 9


def test_alias_budget_is_configurable(fail: Failing) -> None:
    problem = fail(billion_laughs(levels=4), limits=LoadLimits(max_alias_values=100))
    assert "alias expansion" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000,
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 10_000 + "1" + "}" * 10_000,
        "".join(" " * i + f"k{i}:\n" for i in range(5000)) + " " * 5000 + "v\n",
        "- " * 5000 + "x\n",
        "".join(" " * (2 * i) + "-\n" for i in range(3000)) + " " * 6000 + "x\n",
        "".join(" " * i + "- k:\n" for i in range(0, 3000, 2)),
        "? " * 3000 + "x\n",
        "a: " + "[{b: " * 2000 + "1" + "}]" * 2000 + "\n",
    ],
    ids=["open-brackets", "balanced-brackets", "flow-maps", "block-maps", "dash-dash", "indented-dashes",
         "seq-of-maps", "explicit-keys", "mixed"],
)
def test_deep_nesting_is_refused_quickly(fail: Failing, text: str) -> None:
    with bounded(seconds=5):
        problem = fail(text)
    # our own limit, or libyaml's (PyYAML wheels >= 6.0.4 bundle a libyaml that stops at 1000 levels)
    assert problem.message.startswith("nesting deeper than") or "mapping key" in problem.message


def test_nesting_just_under_the_limit_loads(load: Loader) -> None:
    data = load("[" * 100 + "]" * 100).documents[0].data
    depth = 0
    while isinstance(data, list) and data:
        data, depth = data[0], depth + 1
    assert depth == 99


@pytest.mark.parametrize("parser", ["libyaml", "python"])
def test_extreme_nesting_cannot_crash_the_interpreter(parser: str) -> None:
    """PyYAML's C composer recurses once per level and segfaults past ~30k; it is given only texts whose
    nesting is provably shallow."""
    call = "load_text(text, 'f')" if parser == "libyaml" else "load_text_with(PythonParser, text, 'f')"
    code = (
        "from kvnet.errors import KvnetInputError\n"
        "from kvnet.load.yaml_loader import PythonParser, load_text, load_text_with\n"
        "text = '[' * 1_000_000 + '- ' * 200_000\n"
        "try:\n"
        f"    {call}\n"
        "except KvnetInputError as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "nesting deeper than" in done.stdout


def test_fifty_thousand_documents_load(load: Loader) -> None:
    text = "".join(f"---\nkind: ConfigMap\nname: cm-{i}\n" for i in range(50_000))
    with bounded(seconds=30):
        docs = load(text).documents
    assert len(docs) == 50_000
    assert docs[-1].data.key_span("name").line == 150_000


def test_too_many_documents_stop_cleanly(fail: Failing) -> None:
    with bounded(seconds=10):
        problem = fail("---\na: 1\n" * 2_001, limits=LoadLimits(max_documents=2_000))
    assert problem.message == "more than 2000 documents in one file"


def test_many_empty_documents(load: Loader) -> None:
    assert load("---\n" * 20_000).documents == []


def test_huge_single_scalars(load: Loader) -> None:
    huge = "x" * 2_000_000
    with bounded(seconds=20):
        data = load(f"plain: {huge}\nquoted: \"{huge}\"\nblock: |\n  {huge}\n").documents[0].data
    assert len(data["plain"]) == len(data["quoted"]) == 2_000_000
    assert data["block"] == huge + "\n"


@pytest.mark.parametrize(
    "text",
    ["1" * 100_000, "1" + "_" * 100_000 + "x", "1" + ":1" * 50_000 + "x", "0" * 100_000 + "8", "." + "5" * 100_000],
    ids=["digits", "underscores", "colons", "zeros", "fraction"],
)
def test_long_number_like_scalars_are_linear(load: Loader, text: str) -> None:
    with bounded(seconds=2):
        value = load(f"v: {text}\n").documents[0].data["v"]
    assert value is not None


def test_empty_inputs(load: Loader) -> None:
    for text in ("", "\n\n", "# just a comment\n", "---\n", "--- ~\n...\n"):
        assert load(text).documents == [], repr(text)


# -------------------------------------------------------------------------------------------- files


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(KvnetInputError) as caught:
        load_file(path, LoadLimits(max_bytes=1000), display="big.yaml")
    problem = caught.value.problems[0]
    assert str(problem.span) == "big.yaml:1:1"
    assert problem.message == "the file is 2004 bytes, over the limit of 1000"
    assert load_file(path, LoadLimits(max_bytes=2004)).documents[0].data["a"] == "x" * 2000


@pytest.mark.parametrize("seen", [0, 5, 2003])
def test_a_file_that_grew_after_its_size_was_taken_is_read_whole_up_to_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seen: int) -> None:
    """The size is only where reading starts: what the file holds is read, never past the limit."""
    import os as os_module

    path = tmp_path / "grows.yaml"
    path.write_text("a: " + "x" * 2000 + "\n")  # 2004 bytes
    real_fstat = os_module.fstat

    def smaller(fd: int) -> os_module.stat_result:
        info = real_fstat(fd)
        return os_module.stat_result((info.st_mode, *info[1:6], seen, *info[7:]))

    monkeypatch.setattr(os_module, "fstat", smaller)  # the os the loader calls
    assert load_file(path).documents[0].data["a"] == "x" * 2000
    with pytest.raises(KvnetInputError, match="over the limit of 1000"):
        load_file(path, LoadLimits(max_bytes=1000))


def test_size_limit_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: 123456789\n")
    monkeypatch.setenv("KVNET_MAX_FILE_BYTES", "10")
    assert LoadLimits().max_bytes == 10
    with pytest.raises(KvnetInputError, match="over the limit of 10"):
        load_file(path)
    monkeypatch.setenv("KVNET_MAX_FILE_BYTES", "lots")
    with pytest.raises(KvnetInputError, match="KVNET_MAX_FILE_BYTES"):
        LoadLimits()


def problem_loading(path: Path) -> InputProblem:
    with pytest.raises(KvnetInputError) as caught:
        load_file(path)
    (problem,) = caught.value.problems
    return problem


def test_invalid_utf8_points_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"a: 1\nnam\xc3\xa9: x\xfe\n")  # the column counts the two-byte \xe9 as one
    problem = problem_loading(path)
    assert problem.message == "invalid UTF-8 (byte 0xfe)"
    assert problem.span is not None and (problem.span.line, problem.span.column) == (2, 8)
    assert problem.span.file == str(path) and "UTF-8" in problem.hint


def test_nul_byte(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"a: 1\nb: x\x00y\n")
    problem = problem_loading(path)
    assert "NUL byte" in problem.message
    assert problem.span is not None and (problem.span.line, problem.span.column) == (2, 5)


def test_binary_files(tmp_path: Path) -> None:
    elf = tmp_path / "a.out"
    elf.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    assert "NUL byte" in problem_loading(elf).message
    png = tmp_path / "img.yaml"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert "invalid UTF-8" in problem_loading(png).message
    ctrl = tmp_path / "ctrl.yaml"
    ctrl.write_bytes(b"\x1b[31mred\x1b[0m\n")
    assert "#x001b" in problem_loading(ctrl).message


def test_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "u16.yaml"
    path.write_bytes("a: 1\n".encode("utf-16"))
    assert problem_loading(path).message == "the file is UTF-16 text"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_file(path).documents[0].data.key_span("a").column == 1


def test_unreadable_paths(tmp_path: Path) -> None:
    assert problem_loading(tmp_path).message == "not a regular file"
    assert "cannot read the file" in problem_loading(tmp_path / "missing.yaml").message
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert problem_loading(fifo).message == "not a regular file"  # and no wait for a writer

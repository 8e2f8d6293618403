"""Random and mutated YAML through `kvnet check` and `kvnet compile` (hypothesis): every run ends in exit 0, 1
or 2 without a traceback, and a compile that does not succeed leaves no output folder behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvnet.emit.bundle import compile_site, render_stream
from kvnet.load import load_file
from kvnet.site import read_site
from kvnet_hardening_cli import assert_clean_failure, kvnet

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [(ROOT / "samples" / name / "site.yaml").read_text() for name in ("minimal", "full")]
SEEDS.append(render_stream(compile_site(read_site(load_file(ROOT / "samples" / "full" / "site.yaml").documents[0]))))
YAML_BITS = [":", "- ", "? ", "&a ", "*a", "!!str ", "!x ", "|", ">-", "{", "}", "[", "]", ",", "#", "'", '"', "\\",
             "\t", "\n", "  ", "---\n", "...\n", "<<: ", "~", "null", "on", "0x1F", "1e9", "02:00:00:00:00:01",
             "-1", "4096", "10.0.0.0/8", "\x00", "\ufeff", "é", "\u2028", "%YAML 1.1\n", "%TAG ! tag:x:\n"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        how = draw(st.sampled_from(["insert", "delete", "duplicate", "indent", "dedent", "replace", "truncate"]))
        if how == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(YAML_BITS)) + lines[i][at:]
        elif how == "delete":
            del lines[i: i + draw(st.integers(1, 3))]
        elif how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "indent":
            lines[i] = "  " + lines[i]
        elif how == "dedent":
            lines[i] = lines[i][2:]
        elif how == "replace" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {draw(st.sampled_from([*YAML_BITS, '[]', '{}', '[1, 2]', 'x' * 300]))}"
        elif how == "truncate":
            lines = lines[:i]
        text = "\n".join(lines)
    return text


inputs = st.one_of(mutated(), st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs)
def test_check_and_compile_never_crash(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        site = work / "site.yaml"
        site.write_bytes(text.encode("utf-8", "surrogatepass"))
        ran = kvnet("check", site, cwd=work)
        assert_clean_failure(ran, "site.yaml", codes=(0, 1, 2))
        out = work / "out"
        compiled = kvnet("compile", site, "-o", out, "--summary", "none", cwd=work)
        assert_clean_failure(compiled, "site.yaml", codes=(0, 1, 2))
        assert out.exists() == (compiled.code == 0), compiled.text[-2000:]
        if compiled.code == 0:
            assert (out / "kustomization.yaml").is_file()
        leftovers = [p.name for p in work.iterdir() if p.name not in ("site.yaml", "out")]
        assert leftovers == [], leftovers  # no temporary folder of the writer left behind


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated(), min_size=1, max_size=3))
def test_folders_of_mutated_manifests_never_crash(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        manifests = work / "manifests"
        manifests.mkdir()
        for i, text in enumerate(texts):
            (manifests / f"f{i}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        ran = kvnet("check", manifests, cwd=work)
        assert ran.code in (0, 1, 2), ran.text[-2000:]
        assert "Traceback" not in ran.text and "internal error" not in ran.text

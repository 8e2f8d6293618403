"""Hostile input through the real CLI (`kvnet check` and `kvnet compile`): exit 2 naming the file, no
traceback, no output folder, bounded time and memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kvnet_hardening_cli import assert_clean_failure, kvnet

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "samples" / "minimal" / "site.yaml").read_text()


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def site_with(extra: str) -> str:
    """The minimal site with `extra` as the value of metadata.description (any YAML)."""
    return MINIMAL.replace("  name: lab\n", f"  name: lab\n  description: {extra}\n", 1)


# name → (file name, bytes, words the message must hold)
HOSTILE: dict[str, tuple[str, bytes, str]] = {
    "alias-bomb": ("bomb.yaml", billion_laughs().encode(), "alias expansion"),
    "alias-bomb-in-site": ("site.yaml", (MINIMAL + billion_laughs()).encode(), "alias expansion"),
    "deep-nesting": ("deep.yaml", b"a: " + b"[" * 50_000 + b"]" * 50_000 + b"\n", "nesting deeper"),
    "deep-block-nesting": ("deep.yaml", "".join(" " * i + f"k{i}:\n" for i in range(3000)).encode(), "nesting"),
    "binary": ("logo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "NUL byte"),
    "invalid-utf8": ("bad.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n", "UTF-8"),
    "nul-byte": ("nul.yaml", b"apiVersion: v1\nkind: ConfigMap\x00\n", "NUL byte"),
    "utf16": ("wide.yaml", "apiVersion: v1\n".encode("utf-16"), "UTF-16"),
    "tab-indent": ("tab.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", "tabs"),
    "python-object-tag": ("tag.yaml", b'apiVersion: v1\nkind: ConfigMap\nmetadata: '
                                      b'!!python/object/apply:os.system ["touch PWNED"]\n', "never constructs"),
    "python-name-tag": ("tag.yaml", b"apiVersion: v1\nkind: !!python/name:os.system ''\n", "not allowed"),
    "local-tag-include": ("include.yaml", b"apiVersion: v1\nkind: ConfigMap\ndata: !include /etc/passwd\n",
                          "not allowed"),
    "set-tag": ("set.yaml", b"a: !!set {x, y}\n", "not allowed"),
    "duplicate-keys": ("dup.yaml", b"apiVersion: v1\nkind: ConfigMap\nkind: Secret\n", "duplicate key"),
    "unclosed-quote": ("open.yaml", b'apiVersion: "v1\nkind: ConfigMap\n', "invalid YAML"),
    "control-char": ("ctl.yaml", b"apiVersion: v1\x07\n", "not allowed"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["check", "compile"])
def test_hostile_file(case: str, command: str, tmp_path: Path) -> None:
    name, content, words = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out"
    args = ("check", path) if command == "check" else ("compile", path, "-o", out)
    ran = kvnet(*args, cwd=tmp_path)
    assert_clean_failure(ran, name)
    assert words in ran.text
    assert ran.seconds < 20, ran.seconds
    assert ran.grew_mib < 300, ran.grew_mib
    assert not out.exists(), "a failed compile left an output folder"
    assert not (tmp_path / "PWNED").exists()


def test_huge_single_values(tmp_path: Path) -> None:
    huge = "x" * 5_000_000
    path = tmp_path / "site.yaml"
    path.write_text(site_with(huge))
    ran = kvnet("check", path, cwd=tmp_path)
    assert ran.code in (0, 1, 2) and "Traceback" not in ran.text
    assert ran.seconds < 30 and ran.grew_mib < 500
    manifest = tmp_path / "m" / "cm.yaml"
    manifest.parent.mkdir()
    manifest.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata: {{k: {huge}}}\n")
    ran = kvnet("check", manifest.parent, cwd=tmp_path)
    assert ran.code == 0, ran.text[-2000:]
    assert ran.seconds < 30 and ran.grew_mib < 500


def test_huge_number_and_key(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(MINIMAL.replace("vlan: 20\n", f"vlan: {'9' * 100_000}\n", 1)
                    .replace("  name: lab\n", f"  name: lab\n  {'k' * 100_000}: 1\n", 1))
    ran = kvnet("check", path, cwd=tmp_path)
    assert_clean_failure(ran, "site.yaml")
    assert ran.seconds < 20


def test_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(site_with("y" * 10_000))
    ran = kvnet("check", "--max-file-size", "5000", path, cwd=tmp_path)
    assert_clean_failure(ran, "site.yaml")
    assert "over the limit of 5000" in ran.text


def test_fifty_thousand_documents_in_one_file(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    docs = "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: ns-{i}}}\n" for i in range(50_000))
    (folder / "namespaces.yaml").write_text(docs)
    ran = kvnet("check", folder, cwd=tmp_path)
    assert ran.code == 0, ran.text[-2000:]
    assert ran.seconds < 90, ran.seconds
    assert ran.grew_mib < 1500, ran.grew_mib


@pytest.mark.parametrize("make", [
    lambda p: p.write_text(""),
    lambda p: p.write_text("# only a comment\n"),
    lambda p: p.write_text("---\n---\n"),
    lambda p: p.write_text("just a string\n"),
    lambda p: p.write_text("[1, 2, 3]\n"),
    lambda p: p.write_text("apiVersion: kvnet.dev/v1alpha1\nkind: Site\n"),
    lambda p: p.write_text("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: []\nspec: 5\n"),
    lambda p: p.write_text(MINIMAL + "---\n" + MINIMAL),
], ids=["empty", "comment", "empty-docs", "scalar", "list", "no-spec", "wrong-types", "two-sites"])
def test_compile_refuses_what_is_not_one_good_site(make: Callable[[Path], None], tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    make(path)
    out = tmp_path / "out"
    ran = kvnet("compile", path, "-o", out, cwd=tmp_path)
    assert_clean_failure(ran, "site.yaml", codes=(1, 2))
    assert not out.exists()

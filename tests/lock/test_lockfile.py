"""kvnet.lockfile: the lock's text is sorted, readable and stable; reading it back checks its shape."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
import yaml

import lock_sites as S
from kvnet.allocate import allocate
from kvnet.errors import KvnetInputError
from kvnet.lockfile import Lock, LockEntry, Released, allocations, read_lock, render_lock, write_lock


def sample_lock() -> Lock:
    v6 = ipaddress.ip_interface("fd00::5/64")
    return Lock("lab", {
        ("web", "b", "prod"): LockEntry("prod", "52:54:00:12:34:56", (ipaddress.ip_interface("10.0.0.5/24"), v6)),
        ("web", "a", "prod"): LockEntry("prod", "02:a0:00:00:00:01", (ipaddress.ip_interface("10.0.0.4/24"),)),
        ("db", "z", "storage"): LockEntry("storage", "02:a0:00:00:00:02"),
    }, (Released("web/old/prod", "prod", "02:a0:00:00:00:09", (ipaddress.ip_interface("10.0.0.9/24"),)),))


def test_text_is_sorted_commented_and_quotes_every_mac() -> None:
    text = render_lock(sample_lock())
    assert text.startswith("# kvnet.lock.yaml: the MAC and IP addresses kvnet pinned for the VMs of site lab.\n")
    keys = [line.strip().rstrip(":") for line in text.splitlines() if line.startswith("  ") and
            not line.startswith("   ") and line.strip().endswith(":")]
    assert keys == ["db/z/storage", "web/a/prod", "web/b/prod"]
    assert 'mac: "52:54:00:12:34:56"' in text  # a YAML 1.1 reader would make the unquoted one a number
    assert "ips: [10.0.0.5/24, \"fd00::5/64\"]" in text
    # every YAML reader, 1.1 included, reads the same values back
    data = yaml.safe_load(text)
    assert data["interfaces"]["web/b/prod"]["mac"] == "52:54:00:12:34:56"
    assert data["released"] == [{"key": "web/old/prod", "network": "prod", "mac": "02:a0:00:00:00:09",
                                 "ip": "10.0.0.9/24"}]


def test_write_then_read_gives_the_same_lock(tmp_path: Path) -> None:
    path = tmp_path / "kvnet.lock.yaml"
    lock = sample_lock()
    assert write_lock(lock, path) is True
    assert write_lock(lock, path) is False  # unchanged: the file is left alone
    back = read_lock(path)
    assert back.entries == lock.entries and back.released == lock.released and back.site == "lab"
    assert render_lock(back) == path.read_text(encoding="utf-8")
    entry = back.entries["web", "a", "prod"]
    assert entry.span is not None and entry.span.line > 1 and entry.at("mac") != entry.span


def test_allocated_lock_round_trips(tmp_path: Path) -> None:
    lock = allocate(S.site([S.vm(f"vm{i}", ("prod", "prod"), ("t", "tenant")) for i in range(5)]),
                    pod_network=True)
    path = tmp_path / "kvnet.lock.yaml"
    write_lock(lock, path)
    assert read_lock(path).entries == lock.entries
    assert "podNetwork: true" in path.read_text(encoding="utf-8")


def test_allocations_are_the_compiler_seam() -> None:
    from kvnet.emit.common import Addresses

    seam = allocations(sample_lock())
    assert seam["db", "z", "storage"] == Addresses("02:a0:00:00:00:02", ())
    assert seam["web", "a", "prod"].ips == (ipaddress.ip_interface("10.0.0.4/24"),)


@pytest.mark.parametrize(("text", "expected"), [
    ("version: 2\ninterfaces: {}\n", "version 2 is not 1"),
    ("version: 1\ninterfaces:\n  web/a: {network: prod}\n", "entry key 'web/a' is not namespace/vm/interface"),
    ("version: 1\ninterfaces:\n  web/a/x: {network: prod, mac: nope}\n", "'nope' is not a MAC address"),
    ("version: 1\ninterfaces:\n  web/a/x: {network: prod, ip: 10.0.0.300/24}\n", "is not an address with prefix"),
    ("version: 1\ninterfaces:\n  web/a/x: {network: prod, ip: 10.0.0.3}\n", "is not an address with prefix"),
    ("version: 1\ninterfaces:\n  web/a/x: {mac: \"02:00:00:00:00:01\"}\n", "needs a `network`"),
    ("version: 1\nextra: 1\ninterfaces: {}\n", "unknown field 'extra'"),
    ("version: 1\ninterfaces: []\n", "`interfaces` must be a mapping"),
    ("- 1\n", "must hold one mapping"),
])
def test_a_broken_lock_is_an_input_error_at_its_place(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "kvnet.lock.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KvnetInputError) as caught:
        read_lock(path, "kvnet.lock.yaml")
    assert expected in str(caught.value)
    assert all(p.span is None or p.span.file == "kvnet.lock.yaml" for p in caught.value.problems)

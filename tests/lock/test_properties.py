"""Properties of allocation (hypothesis): unique, stable under insertion, deletion and reordering of VMs,
idempotent, and a clear error when a pool runs out."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lock_sites as S
from kvnet.allocate import allocate
from kvnet.errors import KvnetInputError
from kvnet.lockfile import Lock, key_text, render_lock
from kvnet.model import Vm, mac_to_int

NETWORKS = [S.static_net("prod", "10.110.0.0/24", "10.110.0.1"), S.static_net("small", "10.9.0.0/26", None),
            S.ovn_net("tenant")]
KMP = ("02:a0:00:00:00:40", "02:a0:00:00:00:7f")  # inside the macPool: allocation must step around it
POOL = ("02:a0:00:00:00:00", "02:a0:00:00:01:ff")

names = st.text("abcdefgh0123456789", min_size=1, max_size=6)
ifaces = st.lists(st.sampled_from(["prod", "small", "tenant", "pod"]), min_size=1, max_size=3)
vm_specs = st.dictionaries(names, ifaces, min_size=1, max_size=12)  # VM name → networks of its interfaces


def vms(spec: dict[str, list[str]]) -> list[Vm]:
    return [S.vm(name, *((f"nic{i}", net) for i, net in enumerate(nets))) for name, nets in spec.items()]


def site_of(machines: list[Vm]) -> Any:
    return S.site(machines, NETWORKS, pool=POOL, kmp=KMP)


def assert_valid(lock: Lock) -> None:
    mac_values = [mac_to_int(e.mac) for e in lock.entries.values() if e.mac]
    assert len(mac_values) == len(set(mac_values)), "a MAC is handed out twice"
    low, high = mac_to_int(KMP[0]), mac_to_int(KMP[1])
    for value in mac_values:
        assert value is not None and not low <= value <= high, "a MAC inside the KubeMacPool range"  # type: ignore[operator]
        assert (value >> 40) & 0x03 == 0x02, "not a locally administered unicast MAC"
    addresses = [ip for e in lock.entries.values() for ip in e.ips]
    assert len(addresses) == len({a.ip for a in addresses}), "an address is handed out twice"
    for entry in lock.entries.values():
        subnet = {n.name: n for n in NETWORKS}[entry.network].subnet
        for address in entry.ips:
            assert address.network == subnet and address.ip not in (subnet.network_address,
                                                                     subnet.broadcast_address)
            assert address.ip != ipaddress.ip_address("10.110.0.1"), "the gateway is handed out"


@settings(max_examples=60, deadline=None)
@given(vm_specs)
def test_allocations_are_unique_and_valid_and_lock_twice_changes_nothing(spec: dict[str, list[str]]) -> None:
    site = site_of(vms(spec))
    lock = allocate(site)
    assert_valid(lock)
    wanted = {("web", name, f"nic{i}") for name, nets in spec.items() for i, n in enumerate(nets) if n != "pod"}
    assert set(lock.entries) == wanted
    again = allocate(site, lock)
    assert render_lock(again) == render_lock(lock)


@settings(max_examples=60, deadline=None)
@given(vm_specs, st.randoms(use_true_random=False))
def test_reordering_vms_changes_nothing(spec: dict[str, list[str]], rnd: Any) -> None:
    machines = vms(spec)
    shuffled = list(machines)
    rnd.shuffle(shuffled)
    assert render_lock(allocate(site_of(shuffled))) == render_lock(allocate(site_of(machines)))
    lock = allocate(site_of(machines))
    assert render_lock(allocate(site_of(shuffled), lock)) == render_lock(lock)


@settings(max_examples=60, deadline=None)
@given(vm_specs, vm_specs, st.randoms(use_true_random=False))
def test_adding_vms_never_moves_existing_entries(spec: dict[str, list[str]], more: dict[str, list[str]],
                                                  rnd: Any) -> None:
    lock = allocate(site_of(vms(spec)))
    added = [m for m in vms(more) if m.name not in spec]
    machines = vms(spec)
    for machine in added:  # inserted anywhere, not only at the end
        machines.insert(rnd.randint(0, len(machines)), machine)
    grown = allocate(site_of(machines), lock)
    assert_valid(grown)
    for key, entry in lock.entries.items():
        assert grown.entries[key] == entry, key_text(key)


@settings(max_examples=60, deadline=None)
@given(vm_specs, st.data())
def test_removing_vms_never_moves_the_others_and_releases_without_reuse(spec: dict[str, list[str]],
                                                                          data: st.DataObject) -> None:
    lock = allocate(site_of(vms(spec)))
    removed = data.draw(st.sets(st.sampled_from(sorted(spec))))
    kept_spec = {name: nets for name, nets in spec.items() if name not in removed}
    extra = data.draw(st.dictionaries(names.map(lambda n: "new" + n), ifaces, max_size=4))
    shrunk = allocate(site_of(vms({**kept_spec, **extra})), lock)
    assert_valid(shrunk)
    released_macs = {r.mac for r in shrunk.released if r.mac}
    released_ips = {ip for r in shrunk.released for ip in r.ips}
    for key, entry in lock.entries.items():
        if key[1] in removed:
            assert entry.mac is None or entry.mac in released_macs
            assert set(entry.ips) <= released_ips
        else:
            assert shrunk.entries[key] == entry
    for key, entry in shrunk.entries.items():
        if key[1] in extra:  # new VMs never get what removed VMs held
            assert entry.mac not in released_macs and not set(entry.ips) & released_ips


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=30))
def test_pool_exhaustion_is_a_clear_error_naming_the_pool_and_its_size(size: int, more: int) -> None:
    last = f"02:b0:00:00:00:{size - 1:02x}"
    machines = [S.vm(f"vm{i:03d}", ("nic0", "tenant")) for i in range(size + more)]
    site = S.site(machines, NETWORKS, pool=("02:b0:00:00:00:00", last))
    if more == 0:
        assert len(allocate(site).entries) == size
        return
    with pytest.raises(KvnetInputError) as caught:
        allocate(site)
    message = str(caught.value)
    assert f"macPool 02:b0:00:00:00:00–{last} ({size} addresses) has no free address left for {more} interface"\
        in message

"""kvnet.allocate: which interfaces need what, which values are never handed out, and what moves when."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

import lock_sites as S
from kvnet.allocate import allocate, needs
from kvnet.allocate_pools import next_assignable_mac
from kvnet.errors import KvnetInputError
from kvnet.lockfile import Lock, LockEntry, Released
from kvnet.model import AddressRange, Network, Node, mac_to_int


def ip(text: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    return ipaddress.ip_interface(text)


def macs(lock: Lock) -> list[str]:
    return [e.mac for _, e in sorted(lock.entries.items()) if e.mac]


def test_secondary_l2_interfaces_get_a_mac_and_static_networks_an_ip() -> None:
    lock = allocate(S.site([S.vm("a", ("default", "pod"), ("prod", "prod"), ("tenant", "tenant"))]))
    assert set(lock.entries) == {("web", "a", "prod"), ("web", "a", "tenant")}  # not the pod network
    prod, tenant = lock.entries["web", "a", "prod"], lock.entries["web", "a", "tenant"]
    assert prod == LockEntry("prod", "02:a0:00:00:00:00", (ip("10.110.0.2/24"),))  # .0 network, .1 gateway
    assert tenant == LockEntry("tenant", "02:a0:00:00:00:01")  # OVN hands out its own addresses


def test_pod_network_only_when_asked() -> None:
    site = S.site([S.vm("a", ("default", "pod"))])
    assert allocate(site).entries == {}
    lock = allocate(site, pod_network=True)
    assert lock.entries["web", "a", "default"].mac == "02:a0:00:00:00:00" and lock.pod_network
    assert allocate(site, lock).entries == lock.entries  # the lock remembers the choice


def test_without_mac_pool_only_static_addresses_are_pinned() -> None:
    lock = allocate(S.site([S.vm("a", ("prod", "prod"), ("tenant", "tenant"))], pool=None))
    assert lock.entries == {("web", "a", "prod"): LockEntry("prod", None, (ip("10.110.0.2/24"),))}


def test_unresolved_and_non_l2_networks_are_left_alone() -> None:
    site = S.site([S.vm("a", ("x", "nowhere"))])
    assert needs(site) == [] and allocate(site).entries == {}


def test_macs_are_locally_administered_unicast_and_skip_reserved_values() -> None:
    # 01:.. is multicast, 02:00:00:00:00:00 is KubeVirt's masquerade bridge MAC
    site = S.site([S.vm(f"vm{i}", ("prod", "prod")) for i in range(2)],
                  pool=("01:ff:ff:ff:ff:fe", "02:00:00:00:00:05"))
    assert macs(allocate(site)) == ["02:00:00:00:00:01", "02:00:00:00:00:02"]
    assert next_assignable_mac(0xFE0000000000) > 0xFEFFFFFFFFFF  # libvirt's FE prefix is skipped
    assert next_assignable_mac(0x030000000000) == 0x060000000000


def test_kube_mac_pool_range_is_never_handed_out() -> None:
    site = S.site([S.vm(f"vm{i}", ("tenant", "tenant")) for i in range(3)],
                  pool=("02:5c:1e:ff:ff:fe", "02:5c:1f:00:00:05"), kmp=("02:5c:1e:00:00:00", "02:5c:1f:00:00:00"))
    assert macs(allocate(site)) == ["02:5c:1f:00:00:01", "02:5c:1f:00:00:02", "02:5c:1f:00:00:03"]


def test_ip_skips_gateway_exclusions_written_ranges_and_addresses_written_elsewhere() -> None:
    net = S.static_net(subnet="10.0.0.0/29", gateway="10.0.0.1",
                       exclude_subnets=(ipaddress.ip_network("10.0.0.2/31"),),
                       dynamic_ranges=(AddressRange(S.SPAN, start=ipaddress.ip_address("10.0.0.5"),
                                                    end=ipaddress.ip_address("10.0.0.5")),),
                       spans={"dynamic_ranges": S.SPAN})
    node = Node(S.SPAN, name="w0", ip=ipaddress.ip_address("10.0.0.4"))
    lock = allocate(S.site([S.vm("a", ("prod", "prod"))], [net], nodes=(node,)))
    assert lock.entries["web", "a", "prod"].ips == (ip("10.0.0.6/29"),)
    with pytest.raises(KvnetInputError, match="web/b/prod"):  # .7 is the broadcast address: nothing is left
        allocate(S.site([S.vm("a", ("prod", "prod")), S.vm("b", ("prod", "prod"))], [net], nodes=(node,)))


def test_default_dynamic_ranges_do_not_block_static_addresses() -> None:
    net = S.static_net(dynamic_ranges=(AddressRange(S.SPAN, start=ipaddress.ip_address("10.110.0.2"),
                                                    end=ipaddress.ip_address("10.110.0.254")),))
    lock = allocate(S.site([S.vm("a", ("prod", "prod"))], [net]))
    assert lock.entries["web", "a", "prod"].ips == (ip("10.110.0.2/24"),)


def test_ipv6_and_dual_stack_get_one_address_per_subnet() -> None:
    net = dataclasses.replace(S.static_net(), subnets=(ipaddress.ip_network("10.110.0.0/24"),
                                                       ipaddress.ip_network("fd00:110::/64")))
    lock = allocate(S.site([S.vm("a", ("prod", "prod"))], [net]))
    assert lock.entries["web", "a", "prod"].ips == (ip("10.110.0.2/24"), ip("fd00:110::1/64"))


def dual_stack() -> Network:
    return dataclasses.replace(S.static_net(), subnets=(ipaddress.ip_network("10.110.0.0/24"),
                                                        ipaddress.ip_network("fd00:110::/64")))


def test_dual_stack_with_only_one_family_written_gets_the_other_from_the_lock() -> None:
    net = dual_stack()
    written = S.vm("a", ("prod", "prod"), ips=(ip("10.110.0.50/24"),))
    site = S.site([written, S.vm("b", ("prod", "prod"))], [net])
    need_a, need_b = needs(site)
    assert need_a.unwritten() == ["mac", "fd00:110::/64"]  # the IPv4 address is the site's
    assert need_b.unwritten() == ["mac", "10.110.0.0/24", "fd00:110::/64"]
    lock = allocate(site)
    assert lock.entries["web", "a", "prod"].ips == (ip("10.110.0.50/24"), ip("fd00:110::1/64"))
    assert lock.entries["web", "b", "prod"].ips == (ip("10.110.0.2/24"), ip("fd00:110::2/64"))
    assert allocate(site, lock) == lock  # stable
    # writing the IPv6 address too: the site's value replaces the lock's, which is released
    both = S.vm("a", ("prod", "prod"), ips=(ip("10.110.0.50/24"), ip("fd00:110::99/64")))
    again = allocate(S.site([both, S.vm("b", ("prod", "prod"))], [net]), lock)
    assert again.entries["web", "a", "prod"].ips == (ip("10.110.0.50/24"), ip("fd00:110::99/64"))
    assert [r.ips for r in again.released] == [(ip("fd00:110::1/64"),)]


def test_dual_stack_lock_without_the_other_family_is_reported_and_compile_emits_both() -> None:
    from kvnet.emit.common import addresses
    from kvnet.lockfile import allocations
    from kvnet.rules.lock import lock_problems

    written = S.vm("a", ("prod", "prod"), ips=(ip("10.110.0.50/24"),))
    site = S.site([written], [dual_stack()])
    lock = allocate(site)
    assert lock_problems(site, lock) == {"LOCK-01": [], "LOCK-02": [], "LOCK-03": []}
    entry = lock.entries["web", "a", "prod"]
    assert addresses(written, written.interfaces[0], allocations(lock)).ips == entry.ips  # both families
    only_v4 = Lock(lock.site, {("web", "a", "prod"): dataclasses.replace(entry, ips=(ip("10.110.0.50/24"),))})
    assert [p.message for p in lock_problems(site, only_v4)["LOCK-01"]] == [
        "the lock's entry for web/a/prod has no address in subnet fd00:110::/64"]
    without_site_v4 = Lock(lock.site, {("web", "a", "prod"): dataclasses.replace(entry, ips=(ip("fd00:110::1/64"),))})
    assert [p.message for p in lock_problems(site, without_site_v4)["LOCK-02"]] == [
        "web/a/prod has 10.110.0.50/24 in the site, but the lock holds fd00:110::1/64"]


def test_values_written_in_the_site_win_and_are_recorded() -> None:
    first = allocate(S.site([S.vm("a", ("prod", "prod")), S.vm("b", ("prod", "prod"))]))
    taken = first.entries["web", "a", "prod"]
    # b now writes a's values: b gets them, a moves, a's old values are not released (b holds them)
    b = S.vm("b", ("prod", "prod"), mac=taken.mac, ips=taken.ips)
    second = allocate(S.site([S.vm("a", ("prod", "prod")), b]), first)
    assert second.entries["web", "b", "prod"] == taken
    assert second.entries["web", "a", "prod"].mac not in (taken.mac, first.entries["web", "b", "prod"].mac)
    assert {r.key for r in second.released} == {"web/b/prod"}  # what b held before is released


def test_removed_vms_release_their_values_and_they_are_not_reused() -> None:
    first = allocate(S.site([S.vm("a", ("prod", "prod")), S.vm("b", ("prod", "prod"))]))
    gone = first.entries["web", "a", "prod"]
    second = allocate(S.site([S.vm("b", ("prod", "prod")), S.vm("c", ("prod", "prod"))]), first)
    assert second.released == (Released("web/a/prod", "prod", gone.mac, gone.ips),)
    new = second.entries["web", "c", "prod"]
    assert new.mac != gone.mac and new.ips != gone.ips
    third = allocate(S.site([S.vm("b", ("prod", "prod")), S.vm("c", ("prod", "prod")), S.vm("d", ("prod", "prod"))]),
                     second)
    assert third.entries["web", "d", "prod"].mac != gone.mac  # still released in a later run
    reused = allocate(S.site([S.vm("b", ("prod", "prod")), S.vm("c", ("prod", "prod")), S.vm("d", ("prod", "prod"))]),
                      second, reuse_released=True)
    assert reused.entries["web", "d", "prod"] == LockEntry("prod", gone.mac, gone.ips) and reused.released == ()


def test_absent_interfaces_keep_their_entry_but_get_nothing_new() -> None:
    first = allocate(S.site([S.vm("a", ("prod", "prod"))]))
    unplugging = S.site([S.vm("a", ("prod", "prod"), state="absent"), S.vm("b", ("prod", "prod"), state="absent")])
    second = allocate(unplugging, first)
    assert second.entries == first.entries


def test_locked_ip_that_the_site_now_reserves_moves() -> None:
    first = allocate(S.site([S.vm("a", ("prod", "prod"))]))
    held = first.entries["web", "a", "prod"].ips[0]
    regated = S.site([S.vm("a", ("prod", "prod"))], [S.static_net(gateway=str(held.ip))])
    second = allocate(regated, first)
    assert second.entries["web", "a", "prod"].ips != (held,)
    assert second.entries["web", "a", "prod"].mac == first.entries["web", "a", "prod"].mac  # the MAC stays
    assert second.released[0].ips == (held,)


def test_interface_moved_to_another_subnet_gets_a_new_address() -> None:
    first = allocate(S.site([S.vm("a", ("prod", "prod"))]))
    moved = allocate(S.site([S.vm("a", ("prod", "prod"))], [S.static_net(subnet="10.9.0.0/24", gateway=None)]), first)
    assert moved.entries["web", "a", "prod"].ips == (ip("10.9.0.1/24"),)


def test_mac_pool_exhaustion_names_the_pool_and_its_size() -> None:
    site = S.site([S.vm(f"vm{i}", ("tenant", "tenant")) for i in range(3)],
                  pool=("02:a0:00:00:00:00", "02:a0:00:00:00:01"))
    with pytest.raises(KvnetInputError) as caught:
        allocate(site)
    message = str(caught.value)
    assert "macPool 02:a0:00:00:00:00–02:a0:00:00:00:01 (2 addresses)" in message
    assert "1 interface(s): web/vm2/tenant" in message


def test_subnet_exhaustion_names_the_network_subnet_and_size() -> None:
    site = S.site([S.vm(f"vm{i}", ("prod", "prod")) for i in range(2)], [S.static_net(subnet="10.0.0.0/30",
                                                                                      gateway="10.0.0.1")])
    with pytest.raises(KvnetInputError) as caught:
        allocate(site)
    assert "subnet 10.0.0.0/30 of network prod (4 addresses) has no free address left" in str(caught.value)


def test_exhaustion_hint_mentions_reuse_when_addresses_are_released() -> None:
    small = ("02:a0:00:00:00:00", "02:a0:00:00:00:00")
    first = allocate(S.site([S.vm("a", ("tenant", "tenant"))], pool=small))
    with pytest.raises(KvnetInputError) as caught:
        allocate(S.site([S.vm("b", ("tenant", "tenant"))], pool=small), first)
    assert "--reuse-released" in caught.value.problems[0].hint
    assert allocate(S.site([S.vm("b", ("tenant", "tenant"))], pool=small), first, reuse_released=True).entries


def test_mac_inside_a_newly_named_kube_mac_pool_moves() -> None:
    first = allocate(S.site([S.vm("a", ("tenant", "tenant"))]))
    old = first.entries["web", "a", "tenant"].mac
    assert old is not None and mac_to_int(old) is not None
    second = allocate(S.site([S.vm("a", ("tenant", "tenant"))], kmp=(old, old)), first)
    assert second.entries["web", "a", "tenant"].mac != old

"""Deterministic MAC and IP allocation for the lock file (`kvnet lock`).

Which interfaces need what: every VM interface on a layer-2 secondary network (linux-bridge, OVN layer2 and
localnet, SR-IOV, macvlan) gets a MAC when the site names a `macPool` (without one, MACs are KubeMacPool's
job and the MAC rules say where that is unsafe), and one IP per subnet on `ipam: static` networks. Pod-network
interfaces only with `pod_network`. Interfaces with `state: absent` keep what they hold but get nothing new.
Values the site writes are recorded too, so the lock lists every interface it covers.

How (after netlab's allocator): consumers are sorted by `namespace/vm/interface`, so input order never
matters; what the site writes is reserved first and wins; then what the lock already holds is kept when it is
still valid; then each remaining need takes the lowest free value of its pool. Values that leave the lock go
to `released` and stay reserved unless `reuse_released`. A pool that runs dry is a KvnetInputError naming the
pool and its size.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from kvnet.allocate_pools import (
    Pool,
    Written,
    host_bounds,
    ip_pool,
    mac_pool,
    network_blocked,
    written_addresses,
)
from kvnet.errors import InputProblem, KvnetInputError
from kvnet.frozen import frozen
from kvnet.lockfile import Key, Lock, LockEntry, Released, key_text
from kvnet.model import Interface, IPInterface, IPNetwork, Network, Site, Vm, int_to_mac, mac_to_int, normalize_mac
from kvnet.span import Span

L2_TYPES = frozenset({"linux-bridge", "ovn-layer2", "ovn-localnet", "sriov", "macvlan"})


@frozen
class Need:
    """One VM interface the lock must cover."""

    key: Key
    vm: Vm
    iface: Interface
    network: str  # the site network's name, or "pod"
    mac: bool  # needs a pinned MAC (the site names a macPool)
    subnets: tuple[IPNetwork, ...]  # one static address per subnet
    optional: bool  # state: absent — keeps its entry, never gets a new one

    @property
    def span(self) -> Span:
        return self.iface.at("network")

    def unwritten(self) -> list[str]:
        """What only the lock can give it: "mac", and the subnets (as text) the site writes no address for."""
        missing = ["mac"] if self.mac and self.site_mac is None else []
        written = self.written_subnets()
        return missing + [str(s) for s in self.subnets if s not in written]

    def written_subnets(self) -> set[IPNetwork]:
        """The static subnets the site writes this interface's address in itself (the site wins there; a
        dual-stack network whose site writes only the IPv4 address still gets its IPv6 one from the lock).
        An address in none of them (a mistake the IP rules report) counts for every subnet of its family."""
        covered: set[IPNetwork] = set()
        for ip in self.iface.ips:
            family = [s for s in self.subnets if s.version == ip.version]
            inside = [s for s in family if ip.ip in s]
            covered.update(inside or family)
        return covered

    @property
    def site_mac(self) -> str | None:
        return normalize_mac(self.iface.mac) if self.iface.mac and mac_to_int(self.iface.mac) is not None else None


def needs(site: Site, pod_network: bool = False) -> list[Need]:
    """The interfaces the lock must cover, sorted by key."""
    found: list[Need] = []
    for vm in site.vms:
        for iface in vm.interfaces:
            net = None if iface.network == "pod" else site.network(iface.network, vm.namespace)
            is_pod = iface.network == "pod" or (net is not None and net.type == "pod")
            if is_pod and pod_network:
                found.append(Need((vm.namespace, vm.name, iface.name), vm, iface, "pod", site.mac_pool is not None, (),
                                  False))
            if is_pod or net is None or net.type not in L2_TYPES:
                continue  # unresolved names are reported by NAD-01
            subnets = net.subnets if net.ipam == "static" else ()
            if site.mac_pool is None and not subnets:
                continue  # no pool named and no static address: nothing to pin
            found.append(Need((vm.namespace, vm.name, iface.name), vm, iface, net.name, site.mac_pool is not None,
                              subnets,
                              iface.state == "absent"))
    return sorted(found, key=lambda n: n.key)


# ---------------------------------------------------------------------------------------------- allocation


@dataclass
class _Run:
    """The state of one allocation run (owned by `allocate`, never global)."""

    site: Site
    written: Written
    site_macs: set[int]  # MACs written anywhere in the site: never kept for another interface
    taken_macs: set[int]  # what the pools must not hand out: the site's, kept, released (and removed) values
    taken_ips: dict[int, set[int]]
    could_reuse: bool  # addresses are released or being released (for the exhaustion hint)
    kept_macs: set[int] = field(default_factory=set)
    kept_ips: dict[int, set[int]] = field(default_factory=lambda: {4: set(), 6: set()})
    pools: dict[str, Pool] = field(default_factory=dict)
    reserved: dict[tuple[str, int], Pool] = field(default_factory=dict)  # (network, version) → its reservations
    exhausted: dict[str, list[str]] = field(default_factory=dict)  # pool name → the keys it could not serve

    def mac_pool(self) -> Pool | None:
        if "mac" not in self.pools and (pool := mac_pool(self.site, self.taken_macs)) is not None:
            self.pools["mac"] = pool
        return self.pools.get("mac")

    def ip_pool(self, net: Network, subnet: IPNetwork) -> Pool:
        name = f"{net.name} {subnet}"
        if name not in self.pools:
            self.pools[name] = ip_pool(net, subnet, self.written, self.taken_ips[subnet.version])
        return self.pools[name]

    def valid_locked_ip(self, need: Need, ip: IPInterface) -> bool:
        """A locked address stays while it is a host address of one of the network's static subnets and
        nothing in the site reserves it now (the site wins)."""
        net = self.site.network(need.network, need.key[0])
        if net is None or ip.network not in need.subnets:
            return False
        lo, hi = host_bounds(ip.network)
        key = (net.name, ip.version)
        if key not in self.reserved:
            self.reserved[key] = Pool("", 0, 0, network_blocked(net, ip.version) + self.written.blocked(ip.version),
                                      set())
        value = int(ip.ip)
        free = not self.reserved[key].is_blocked(value) and value not in self.kept_ips[ip.version]
        return lo <= value <= hi and free

    def problems(self) -> list[InputProblem]:
        found = []
        spans = {pool.name: pool.span for pool in self.pools.values()}
        for pool, keys in sorted(self.exhausted.items()):
            who = f"{len(keys)} interface(s): {', '.join(keys[:5])}{' ...' if len(keys) > 5 else ''}"
            hint = "widen the pool or free addresses in it"
            if self.could_reuse:
                hint += "; or rerun with --reuse-released to hand out addresses of removed VMs again"
            found.append(InputProblem(f"{pool} has no free address left for {who}", spans.get(pool), hint))
        return found


def allocate(site: Site, previous: Lock | None = None, *, reuse_released: bool = False,
             pod_network: bool | None = None) -> Lock:
    """The lock for `site`, keeping every still-valid entry of `previous`."""
    previous = previous or Lock()
    pod = previous.pod_network if pod_network is None else pod_network
    run, wanted, held, released = _reconcile(site, previous, reuse_released, pod)
    # 3. everything else takes the lowest free value of its pool
    entries = {need.key: _fill(run, need, held[need.key]) for need in wanted
               if not need.optional or need.key in previous.entries}
    if run.exhausted:
        raise KvnetInputError(run.problems())
    for key, old in previous.entries.items():
        new = entries.get(key)
        gone_mac = old.mac if old.mac and (new is None or new.mac != old.mac) else None
        gone_ips = tuple(ip for ip in old.ips if new is None or ip not in new.ips)
        if not reuse_released and (gone_mac or gone_ips):
            released.append(Released(key_text(key), old.network, gone_mac, gone_ips))
    return Lock(site.name, entries, _still_released(released, entries), pod)


def kept_entries(site: Site, lock: Lock) -> tuple[list[Need], dict[Key, LockEntry]]:
    """What `kvnet lock` would keep of `lock` before allocating anything: the site's values, and the lock's
    values that are still valid. `kvnet check` compares this with the lock (kvnet.rules.lock)."""
    _, wanted, held, _ = _reconcile(site, lock, False, lock.pod_network)
    return wanted, held


def _reconcile(site: Site, previous: Lock, reuse_released: bool,
               pod: bool) -> tuple[_Run, list[Need], dict[Key, LockEntry], list[Released]]:
    wanted = needs(site, pod)
    released = [] if reuse_released else list(previous.released)
    site_macs = {v for v in (mac_to_int(iface.mac) for vm in site.vms for iface in vm.interfaces if iface.mac)
                 if v is not None}
    taken_macs, taken_ips = set(site_macs), {4: set[int](), 6: set[int]()}
    for item in released:
        _reserve(taken_macs, taken_ips, item.mac, item.ips)
    if not reuse_released:  # what the lock held and loses now is released: never hand it out in the same run
        for old in previous.entries.values():
            _reserve(taken_macs, taken_ips, old.mac, old.ips)
    could_reuse = bool(released) or (not reuse_released and bool(previous.entries))
    run = _Run(site, written_addresses(site), site_macs, taken_macs, taken_ips, could_reuse)
    # 1. what the site writes wins; 2. what the lock holds stays when still valid (sorted: first come, first kept)
    held = {need.key: _keep(run, need, previous.entries.get(need.key)) for need in wanted}
    return run, wanted, held, released


def _keep(run: _Run, need: Need, old: LockEntry | None) -> LockEntry:
    """The entry before allocation: the site's values, else the lock's values that are still valid."""
    mac = need.site_mac
    if mac is None and old is not None and old.mac is not None:
        value = mac_to_int(old.mac)
        kmp = run.site.kube_mac_pool
        if (value is not None and value not in run.site_macs and value not in run.kept_macs
                and not (kmp and kmp.start <= value <= kmp.end)):
            mac = old.mac
    if mac is not None and (value := mac_to_int(mac)) is not None:
        run.kept_macs.add(value)
        run.taken_macs.add(value)
    if not need.subnets:
        return LockEntry(need.network, mac)
    kept = list(need.iface.ips)  # what the site writes, then the lock's addresses in the other subnets
    written = need.written_subnets()
    for ip in old.ips if old is not None else ():
        if ip.network not in written and ip not in kept and run.valid_locked_ip(need, ip):
            run.kept_ips[ip.version].add(int(ip.ip))
            run.taken_ips[ip.version].add(int(ip.ip))
            kept.append(ip)
    return LockEntry(need.network, mac, tuple(kept))


def _reserve(macs: set[int], ips: dict[int, set[int]], mac: str | None, addresses: tuple[IPInterface, ...]) -> None:
    if mac is not None and (value := mac_to_int(mac)) is not None:
        macs.add(value)
    for ip in addresses:
        ips[ip.version].add(int(ip.ip))


def _fill(run: _Run, need: Need, entry: LockEntry) -> LockEntry:
    """The entry with what it still lacks taken from the pools (absent interfaces get nothing new)."""
    if need.optional:
        return entry
    mac, ips = entry.mac, list(entry.ips)
    name = key_text(need.key)
    if mac is None and need.mac:
        pool = run.mac_pool()
        value = pool.take() if pool is not None else None
        if value is not None:
            mac = int_to_mac(value)
        elif pool is not None:
            run.exhausted.setdefault(pool.name, []).append(name)
    net = run.site.network(need.network, need.key[0])
    if net is not None:
        written = need.written_subnets()
        for subnet in need.subnets:
            if subnet in written or any(ip.network == subnet for ip in ips):
                continue
            pool = run.ip_pool(net, subnet)
            value = pool.take()
            if value is None:
                run.exhausted.setdefault(pool.name, []).append(name)
            else:
                ips.append(ipaddress.ip_interface(f"{ipaddress.ip_address(value)}/{subnet.prefixlen}"))
    order = {subnet: i for i, subnet in enumerate(need.subnets)}
    ips.sort(key=lambda ip: order.get(ip.network, len(order)))
    return LockEntry(need.network, mac, tuple(ips))


def _still_released(released: list[Released], entries: dict[Key, LockEntry]) -> tuple[Released, ...]:
    """Released values minus those an entry holds again (the site may write a released value back)."""
    in_use_macs = {e.mac for e in entries.values() if e.mac}
    in_use_ips = {ip.ip for e in entries.values() for ip in e.ips}
    kept = set()
    for item in released:
        mac = item.mac if item.mac not in in_use_macs else None
        ips = tuple(ip for ip in item.ips if ip.ip not in in_use_ips)
        if mac or ips:
            kept.add(Released(item.key, item.network, mac, ips))
    return tuple(sorted(kept))

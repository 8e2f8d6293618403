"""MAC address rules (failure corpus §1): duplicates, reserved and malformed values, pools.

MACs in the model are lower-case colon-separated (`normalize_mac`) or, when not a MAC, the text as written;
`mac_to_int` tells them apart. Each rule looks only at the values it is about, so one bad MAC gets one
finding: MAC-02 for text that is not a MAC, MAC-03 for group addresses, MAC-04 for the FE prefix.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.graph import SiteGraph
from kvnet.model import Interface, MacRange, Network, Vm, int_to_mac, mac_to_int
from kvnet.rules.netfacts import bad_option, net_label, who, who_qualified
from kvnet.rules.registry import RuleContext, rule

MASQUERADE_BRIDGE_MAC = 0x020000000000  # KubeVirt's in-pod bridge (pkg/network/link/reserved_macs.go)
BROADCAST = 0xFFFFFFFFFFFF
KMP_FIRST_OCTETS = (0x02, 0x06, 0x0A, 0x0E)  # CNAO validateKubeMacPool
KMP_OPT_OUT = ("mutatevirtualmachines.kubemacpool.io", "ignore")
L2_TYPES = ("linux-bridge", "ovn-layer2", "ovn-localnet", "sriov")


def first_octet(mac: int) -> int:
    return mac >> 40


def is_group(mac: int) -> bool:
    """The I/G bit: multicast and broadcast addresses."""
    return bool(first_octet(mac) & 0x01)


def is_local(mac: int) -> bool:
    """The U/L bit: locally administered (x2, x6, xA, xE)."""
    return bool(first_octet(mac) & 0x02)


def usable(mac: int) -> bool:
    """A unicast, non-zero, non-FE MAC: the rules for everything else report it."""
    return mac != 0 and not is_group(mac) and first_octet(mac) != 0xFE


_NORMALIZED = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


def mac_value(text: str) -> int | None:
    """The MAC as an integer; the model keeps MACs normalised, so the common case is one regex match."""
    if _NORMALIZED.fullmatch(text):
        return int(text.replace(":", ""), 16)
    return mac_to_int(text)


def _valid_macs(ctx: RuleContext) -> list[tuple[Vm, Interface, Network | None, int]]:
    """Every attachment with a readable MAC, and the MAC as a number (six rules use it)."""
    def compute() -> list[tuple[Vm, Interface, Network | None, int]]:
        found = []
        for vm, iface, net in ctx.graph.attachments():
            if iface.mac is not None:
                value = mac_value(iface.mac)
                if value is not None:
                    found.append((vm, iface, net, value))
        return found

    return ctx.graph.derived("valid-macs", compute)


def _in(mac: int, pool: MacRange | None) -> bool:
    return pool is not None and pool.start <= mac <= pool.end


def _pool_text(pool: MacRange) -> str:
    return f"{int_to_mac(pool.start)}–{int_to_mac(pool.end)}"


@rule("MAC-01", "duplicate-mac", "Two VM interfaces request the same MAC address", severity="error",
      options={"scope": "cluster"})
def duplicate_mac(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Finds VM interfaces that request the same `mac`, reporting each extra user against the first.
    With scope `l2`, only interfaces on the same layer-2 segment (bridge and VLAN, OVN network, SR-IOV
    PF and VLAN) are compared; with scope `cluster` (the default) every interface of the model is, and
    the message says whether the two share a segment.

    ## Why is this bad?
    Two guests with one MAC on one segment make switches and bridges flap their forwarding tables: ARP
    answers go to the wrong VM, DHCP hands out one lease, one VM "has no IP". Across segments KubeMacPool
    refuses the second VM ("failed to allocate requested mac address") in the namespaces it manages, and
    only raises an alert for the others. Copied manifests and restored backups are the usual source.

    ## Example
    ```yaml
    vms:
      - name: web-01
        interfaces: [{name: prod, network: prod-web, mac: "02:a0:00:00:00:10"}]
      - name: web-02
        interfaces: [{name: prod, network: prod-web, mac: "02:a0:00:00:00:10"}]
    ```

    ## Use instead
    ```yaml
    vms:
      - name: web-01
        interfaces: [{name: prod, network: prod-web, mac: "02:a0:00:00:00:10"}]
      - name: web-02
        interfaces: [{name: prod, network: prod-web}]   # kvnet allocates a free MAC
    ```

    ## How to fix
    Remove the copied `mac` so kvnet allocates one from its pool, or give each interface its own.

    ## Options
    - `scope`: `cluster` (default) compares every VM interface of the model; `l2` only interfaces on the
      same layer-2 segment (use it when KubeMacPool does not manage the namespaces and the segments are
      truly separate).
    """
    scope = ctx.options.get("scope", "cluster")
    if scope not in ("l2", "cluster"):
        yield bad_option(ctx.site, "MAC-01", "scope", scope, '"l2" or "cluster"')
        scope = "cluster"
    owners: dict[object, list[tuple[Vm, Interface, Network | None]]] = defaultdict(list)
    for vm, iface, net, mac in _valid_macs(ctx):
        if scope == "l2":
            if net is not None:
                owners[(ctx.graph.l2_domain(net), mac)].append((vm, iface, net))
        else:
            owners[mac].append((vm, iface, net))
    for users in owners.values():
        first_vm, first_iface, first_net = users[0]
        for vm, iface, net in users[1:]:
            yield _duplicate(ctx.graph, (first_vm, first_iface, first_net), (vm, iface, net))


def _duplicate(graph: SiteGraph, first: tuple[Vm, Interface, Network | None],
               extra: tuple[Vm, Interface, Network | None]) -> Problem:
    (vm0, if0, net0), (vm, iface, net) = first, extra
    mac = iface.mac or ""
    cross_ns = vm0.namespace != vm.namespace
    name0 = who_qualified(vm0, if0) if cross_ns else who(vm0, if0)
    name = who_qualified(vm, iface) if cross_ns else who(vm, iface)
    if net is not None and net0 is not None and graph.l2_domain(net) == graph.l2_domain(net0):
        where = f"on the same layer-2 segment ({net_label(net)})"
    else:
        where = "on another segment (KubeMacPool refuses a MAC already allocated anywhere in the cluster)"
    hint = ("remove the `mac` from the VM group so kvnet allocates one per VM" if vm.span == vm0.span
            else "remove the copied `mac` so kvnet allocates a free one, or pick a different MAC")
    return Problem(f"MAC {mac} of {name} is already used by {name0} {where}", iface.at("mac"), hint,
                   (Related(if0.at("mac"), f"first used by {name0}"),))


@rule("MAC-02", "malformed-mac", "MAC address that is not six colon-separated octets", severity="error")
def malformed_mac(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks that every `mac` is six hexadecimal octets (`02:a0:00:00:00:10`; dashes are accepted).

    ## Why is this bad?
    KubeVirt rejects the VM ("has malformed MAC address"); EUI-64 or 20-byte forms are "too long".

    ## Example
    ```yaml
    interfaces: [{name: prod, network: prod-web, mac: "02:a0:00:00:10"}]
    ```

    ## Use instead
    ```yaml
    interfaces: [{name: prod, network: prod-web, mac: "02:a0:00:00:00:10"}]
    ```

    ## How to fix
    Write six two-digit hexadecimal octets, or remove `mac` and let kvnet allocate one.
    """
    for vm, iface, _net in ctx.graph.attachments():
        if iface.mac is not None and mac_value(iface.mac) is None:
            yield Problem(f"MAC {iface.mac!r} of {who(vm, iface)} is not six hexadecimal octets",
                          iface.at("mac"), "write it as six octets such as 02:a0:00:00:00:10, or remove it")


@rule("MAC-03", "multicast-mac", "Multicast, broadcast or all-zero MAC on a VM interface", severity="error")
def multicast_mac(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Flags a `mac` whose first octet has the group bit set (odd first octet: multicast, including the
    broadcast `ff:ff:ff:ff:ff:ff`) and the all-zero MAC.

    ## Why is this bad?
    KubeVirt only parses the text, so the VM is admitted; the kernel then refuses the address when the
    launcher sets it ("Cannot assign requested address") and the VM never gets its network.

    ## Example
    ```yaml
    interfaces: [{name: prod, network: prod-web, mac: "03:a0:00:00:00:10"}]
    ```

    ## Use instead
    ```yaml
    interfaces: [{name: prod, network: prod-web, mac: "02:a0:00:00:00:10"}]
    ```

    ## How to fix
    Use a unicast MAC: the first octet must be even (x2, x6, xA or xE for a locally administered one).
    """
    for vm, iface, _net, mac in _valid_macs(ctx):
        if mac == BROADCAST:
            kind = "the broadcast address"
        elif mac == 0:
            kind = "all zeros"
        elif is_group(mac):
            kind = f"a multicast address (first octet {first_octet(mac):02x} is odd)"
        else:
            continue
        yield Problem(f"MAC {iface.mac} of {who(vm, iface)} is {kind}", iface.at("mac"),
                      "use a unicast, locally administered MAC such as 02:xx:xx:xx:xx:xx, or remove it")


@rule("MAC-04", "fe-prefixed-mac", "MAC address starting with FE, which libvirt reserves", severity="error")
def fe_prefixed_mac(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Flags a `mac` whose first octet is `fe`.

    ## Why is this bad?
    libvirt reserves 0xFE for host-side tap devices and refuses to start the domain ("Unable to use MAC
    address starting with reserved value 0xFE"): the VM never boots.

    ## Example
    ```yaml
    interfaces: [{name: prod, network: prod-web, mac: "fe:54:00:00:00:10"}]
    ```

    ## Use instead
    ```yaml
    interfaces: [{name: prod, network: prod-web, mac: "02:54:00:00:00:10"}]
    ```

    ## How to fix
    Pick a MAC whose first octet is not fe (02 is the usual locally administered prefix).
    """
    for vm, iface, _net, mac in _valid_macs(ctx):
        if first_octet(mac) == 0xFE:
            yield Problem(f"MAC {iface.mac} of {who(vm, iface)} starts with fe, reserved by libvirt for tap "
                          "devices", iface.at("mac"), "change the first octet (02 is locally administered)")


@rule("MAC-05", "masquerade-reserved-mac", "Masquerade interface requests KubeVirt's in-pod bridge MAC",
      severity="error")
def masquerade_reserved_mac(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Flags a masquerade interface whose `mac` is `02:00:00:00:00:00`.

    ## Why is this bad?
    KubeVirt gives that MAC to the in-pod bridge of every masquerade interface and rejects the VM ("The
    requested MAC address is reserved for the in-pod bridge").

    ## Example
    ```yaml
    interfaces: [{name: default, network: pod, mac: "02:00:00:00:00:00"}]
    ```

    ## Use instead
    ```yaml
    interfaces: [{name: default, network: pod, mac: "02:00:00:00:00:01"}]
    ```

    ## How to fix
    Choose another MAC, or remove `mac` and let KubeMacPool or kvnet allocate one.
    """
    for vm, iface, _net, mac in _valid_macs(ctx):
        if mac == MASQUERADE_BRIDGE_MAC and iface.binding == "masquerade":
            yield Problem(f"masquerade interface {who(vm, iface)} requests 02:00:00:00:00:00, the MAC KubeVirt "
                          "reserves for the in-pod bridge", iface.at("mac"), "choose another MAC, or remove it")


@rule("MAC-06", "unmanaged-mac", "Manual MAC that is universally administered or inside KubeMacPool's range",
      severity="warning", options={"require_mac_pool": False})
def unmanaged_mac(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For each unicast `mac` written on a VM interface: warns when it is universally administered (a
    vendor OUI: the second-lowest bit of the first octet is clear) and when it lies inside the cluster's
    KubeMacPool range (`kubeMacPool`). With `require_mac_pool`, also when it lies outside kvnet's own
    `macPool`.

    ## Why is this bad?
    A vendor-OUI MAC can clash with a physical host on the bridged segment. KubeMacPool does not
    range-check requested MACs, so one inside its range may later be handed to a VM in a namespace it
    does not manage, or by another cluster sharing the segment.

    ## Example
    ```yaml
    kubeMacPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}
    vms:
      - name: db-1
        interfaces: [{name: prod, network: prod-web, mac: "52:54:00:12:34:56"}]
    ```

    ## Use instead
    ```yaml
    vms:
      - name: db-1
        interfaces: [{name: prod, network: prod-web, mac: "02:a0:00:12:34:56"}]
    ```

    ## How to fix
    Use a locally administered MAC (first octet x2, x6, xA or xE) from kvnet's `macPool`, outside the
    KubeMacPool range — or remove `mac` and let kvnet allocate one.

    ## Options
    - `require_mac_pool` (default `false`): also warn on MACs outside the site's `macPool`.
    """
    require_pool = bool(ctx.options.get("require_mac_pool", False))
    kmp, own = ctx.site.kube_mac_pool, ctx.site.mac_pool
    for vm, iface, _net, mac in _valid_macs(ctx):
        if not usable(mac):
            continue
        if not is_local(mac):
            yield Problem(f"MAC {iface.mac} of {who(vm, iface)} is universally administered (vendor OUI "
                          f"{iface.mac[:8] if iface.mac else ''}) and may clash with a physical host",
                          iface.at("mac"), "use a locally administered MAC (first octet x2, x6, xA or xE)")
        elif kmp is not None and _in(mac, kmp):
            yield Problem(f"MAC {iface.mac} of {who(vm, iface)} lies inside the KubeMacPool range "
                          f"{_pool_text(kmp)}, which may hand it to another VM", iface.at("mac"),
                          "pick a MAC outside the KubeMacPool range (from kvnet's macPool)",
                          (Related(kmp.span, "KubeMacPool range"),))
        elif require_pool and own is not None and not _in(mac, own):
            yield Problem(f"MAC {iface.mac} of {who(vm, iface)} lies outside kvnet's macPool {_pool_text(own)}",
                          iface.at("mac"), "pick a MAC from the macPool, or remove it so kvnet allocates one",
                          (Related(own.span, "kvnet's macPool"),))


@rule("MAC-07", "mac-pool-range", "MAC pool range that is invalid or overlaps KubeMacPool's", severity="error")
def mac_pool_range(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks the site's `kubeMacPool` (the cluster's KubeMacPool range) and `macPool` (where kvnet
    allocates): start before end; KubeMacPool's first octet 02, 06, 0A or 0E; kvnet's pool locally
    administered and unicast; the two ranges disjoint.

    ## Why is this bad?
    CNAO marks itself Degraded on an invalid KubeMacPool range. If kvnet's pool overlaps KubeMacPool's,
    a MAC kvnet pins in Git can be handed by KubeMacPool to a VM kvnet does not manage: duplicate MACs.

    ## Example
    ```yaml
    macPool:     {start: "02:5c:1e:00:00:00", end: "02:5c:1e:00:ff:ff"}
    kubeMacPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}
    ```

    ## Use instead
    ```yaml
    macPool:     {start: "02:a0:00:00:00:00", end: "02:a0:00:ff:ff:ff"}
    kubeMacPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}
    ```

    ## How to fix
    Give kvnet its own locally administered prefix, disjoint from the KubeMacPool range.
    """
    kmp, own = ctx.site.kube_mac_pool, ctx.site.mac_pool
    for pool, label in ((kmp, "KubeMacPool range"), (own, "kvnet's macPool")):
        if pool is None:
            continue
        if pool.start >= pool.end:
            yield Problem(f"{label} starts at {int_to_mac(pool.start)}, not before its end {int_to_mac(pool.end)}",
                          pool.at("start"), "make start lower than end")
        for field, end in (("start", pool.start), ("end", pool.end)):
            octet = first_octet(end)
            if pool is kmp and octet not in KMP_FIRST_OCTETS:
                yield Problem(f"{label} {field} {int_to_mac(end)} has first octet {octet:02x}; CNAO accepts only "
                              "02, 06, 0a or 0e", pool.at(field), "use a first octet of 02, 06, 0a or 0e")
            elif pool is own and (not is_local(end) or is_group(end)):
                yield Problem(f"{label} {field} {int_to_mac(end)} is not a locally administered unicast MAC",
                              pool.at(field), "use a first octet of x2, x6, xA or xE (02 is usual)")
    if kmp is not None and own is not None and own.start <= kmp.end and kmp.start <= own.end:
        yield Problem(f"kvnet's macPool {_pool_text(own)} overlaps the KubeMacPool range {_pool_text(kmp)}",
                      own.span, "move kvnet's macPool to a prefix KubeMacPool does not use",
                      (Related(kmp.span, "KubeMacPool range"),))


@rule("MAC-08", "unstable-mac", "Layer-2 VM interface whose MAC changes on every restart", severity="warning",
      options={"kubemacpool": True})
def unstable_mac(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Warns about interfaces on layer-2 secondary networks (Linux bridge, OVN layer2 and localnet, SR-IOV)
    without a `mac` when nothing pins one: the object is a bare VirtualMachineInstance, its namespace is
    labelled `mutatevirtualmachines.kubemacpool.io=ignore`, or KubeMacPool is not deployed (option).
    Interfaces of VMs kvnet writes itself are pinned from its `macPool`.

    ## Why is this bad?
    Without KubeMacPool the MAC is generated per launcher pod, so it changes on every restart: DHCP
    reservations, netplan `match: macaddress` and licence or firewall bindings break.

    ## Example
    ```yaml
    kind: VirtualMachineInstance
    spec:
      domain:
        devices:
          interfaces: [{name: prod, bridge: {}}]
      networks: [{name: prod, multus: {networkName: prod-web}}]
    ```

    ## Use instead
    ```yaml
    interfaces: [{name: prod, bridge: {}, macAddress: "02:a0:00:00:00:10"}]
    ```

    ## How to fix
    Pin a `mac` (macAddress), or use a VirtualMachine in a namespace KubeMacPool manages.

    ## Options
    - `kubemacpool` (default `true`): whether KubeMacPool is deployed (OpenShift Virtualization always
      deploys it; upstream KubeVirt may not).
    """
    kmp_deployed = bool(ctx.options.get("kubemacpool", True))
    opted_out = {ns.name for ns in ctx.site.namespaces if ns.labels.get(KMP_OPT_OUT[0]) == KMP_OPT_OUT[1]}
    for vm, iface, net in ctx.graph.attachments():
        if iface.mac is not None or net is None or net.type not in L2_TYPES or iface.state == "absent":
            continue
        if vm.origin == "site" and ctx.site.mac_pool is not None:
            continue  # kvnet pins a MAC from its pool for every interface it writes
        if vm.kind == "VirtualMachineInstance":
            why = "it is a bare VirtualMachineInstance, which KubeMacPool does not handle"
        elif vm.namespace in opted_out:
            why = f"namespace {vm.namespace} opts out of KubeMacPool"
        elif not kmp_deployed:
            why = "KubeMacPool is not deployed"
        else:
            continue
        yield Problem(f"{who(vm, iface)} on layer-2 network {net_label(net)} has no fixed MAC and {why}: "
                      "the MAC changes on every restart", iface.at("network"),
                      "pin a locally administered `mac` on the interface")


_MARKER_DEFAULT = ["kvnet.dev/guest-changes-mac"]


@rule("MAC-09", "spoofcheck-guest-mac-change", "MAC spoof checking on a network whose guests change their MAC",
      severity="warning", options={"markers": _MARKER_DEFAULT})
def spoofcheck_guest_mac_change(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For networks with MAC spoof checking on (`macspoofchk: true` on a bridge network; an SR-IOV network
    with `spoofChk` left on and `trust` off), warns when a VM attaches two interfaces to the network (the
    shape of an in-guest bond) or carries one of the marker labels or annotations (guests running VRRP,
    teaming or nested virtualization).

    ## Why is this bad?
    Spoof checking lets only the assigned MAC leave the port. An in-guest bond, VRRP or a nested VM sends
    from another MAC, and those frames are dropped silently.

    ## Example
    ```yaml
    networks:
      storage: {type: sriov, pf: ens5f0, numVfs: 16}       # spoofChk on, trust off by default
    vms:
      - name: db-1
        interfaces:
          - {name: sto0, network: storage}
          - {name: sto1, network: storage}                  # bonded in the guest
    ```

    ## Use instead
    ```yaml
    networks:
      storage: {type: sriov, pf: ens5f0, numVfs: 16, spoofChk: false, trust: true}
    ```

    ## How to fix
    Turn spoof checking off (and trust on, for SR-IOV) on that network, or keep guests from changing MAC.

    ## Options
    - `markers` (default `["kvnet.dev/guest-changes-mac"]`): label or annotation keys that mark VMs whose
      guest sends from other MACs (VRRP, teaming, nested virtualization).
    """
    markers = [str(m) for m in ctx.options.get("markers", _MARKER_DEFAULT)]
    suspects: dict[str, tuple[Network, list[tuple[Vm, Interface, str]]]] = {}
    for vm in ctx.site.vms:
        marked = any(k in vm.labels or k in vm.annotations for k in markers)
        seen: dict[str, Interface] = {}
        for iface in vm.interfaces:
            net = ctx.graph.resolve(vm, iface)
            if net is None or _spoof_field(net) is None:
                continue
            key = SiteGraph.network_key(net)
            entry = suspects.setdefault(key, (net, []))
            if key in seen:
                entry[1].append((vm, iface, f"{vm.name} attaches twice (interfaces {seen[key].name}, {iface.name})"))
            elif marked:
                entry[1].append((vm, iface, f"{vm.name} is marked as changing its MAC"))
            seen.setdefault(key, iface)
    for net, found in suspects.values():
        if not found:
            continue
        field = _spoof_field(net) or "macspoofchk"
        shown = found[:5]
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        yield Problem(f"network {net_label(net)} checks MAC spoofing, but {shown[0][2]}{more}: frames from the "
                      "guest's other MACs are dropped", net.at(field),
                      "turn spoof checking off on this network (and trust on, for SR-IOV)",
                      tuple(Related(iface.at("network"), reason) for _vm, iface, reason in shown))


def _spoof_field(net: Network) -> str | None:
    """The field that turns spoof checking on for this network, or None when it is off."""
    if net.type == "linux-bridge" and net.macspoofchk:
        return "macspoofchk"
    if net.type == "sriov" and net.spoof_check is not False and net.trust is not True:
        return "spoof_check" if "spoof_check" in net.spans else "trust"
    return None

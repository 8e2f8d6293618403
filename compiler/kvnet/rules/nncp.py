"""Node network policies (NodeNetworkConfigurationPolicy / a site's node groups): NNCP-01 … NNCP-07.

kubernetes-nmstate has no validating webhook for the content of a policy: a mistake surfaces per node as a
rollback or, worse, as nodes that lose their network. These rules look at one node group (one NNCP) at a
time; the node's primary NIC is known from the site's facts (`role: primary`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import Bond, Bridge, Nic, NodeGroup
from kvnet.rules.facts import is_openshift
from kvnet.rules.registry import RuleContext, rule
from kvnet.span import Span

Master = Bond | Bridge
BOND_MODE_NAMES = {"0": "balance-rr", "1": "active-backup", "2": "balance-xor", "3": "broadcast",
                   "4": "802.3ad", "5": "balance-tlb", "6": "balance-alb"}
VM_BRIDGE_MODES = ["active-backup", "balance-xor", "802.3ad"]
OVN_BRIDGE = "br-ex"


def _masters(group: NodeGroup) -> dict[str, Master]:
    """port name → the bond or bridge it is enslaved to."""
    masters: dict[str, Master] = {}
    for bond in group.bonds:
        for port in bond.ports:
            masters.setdefault(port, bond)
    for br in group.bridges:
        if br.port:
            masters.setdefault(br.port, br)
    return masters


def _chain(masters: dict[str, Master], name: str) -> list[Master]:
    """The masters above an interface, bottom-up (bond, then the bridge over it)."""
    chain: list[Master] = []
    while name in masters and len(chain) < 8:  # 8: no real stack is deeper; guards against a port loop
        master = masters[name]
        chain.append(master)
        name = master.name
    return chain


def _carries_ip(master: Master) -> bool:
    return master.ipv4_dhcp or bool(master.ipv4_addresses)


def _port_span(master: Master) -> Span:
    return master.at("ports") if isinstance(master, Bond) else master.at("port")


def _primaries(group: NodeGroup) -> list[Nic]:
    return [nic for nic in group.nics if nic.role == "primary"]


@rule("NNCP-01", "primary-nic-enslaved-without-ip",
      "Node's primary NIC enslaved to a bond or bridge that does not take its IP")
def primary_nic_enslaved_without_ip(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Follows the node's primary NIC (the one carrying the node IP, `role: primary`) up through the bonds
    and bridges that enslave it, and requires the top one to carry the IP configuration (DHCP or the
    static address) in the same policy.

    ## Why is this bad?
    nmstate disables IPv4/IPv6 on interfaces that do not enable them: the node loses its address, the
    policy's probes fail and nmstate rolls back — or, on a bad day, the cluster is down.

    ## Example
    ```yaml
    nics: {eno1: {role: primary, dhcp: true}}
    bridges: {br-vm: {port: eno1}}
    ```

    ## Use instead
    ```yaml
    nics: {eno1: {role: primary, dhcp: true}}
    bridges: {br-vm: {port: eno1, dhcp: true, copyMacFrom: eno1}}
    ```

    ## How to fix
    Put VM bridges on another NIC, or move the node's IP configuration onto the new bridge/bond.
    """
    for group in ctx.site.node_groups:
        masters = _masters(group)
        for nic in _primaries(group):
            chain = _chain(masters, nic.name)
            if not chain or _carries_ip(chain[-1]):
                continue
            top = chain[-1]
            kind = "bond" if isinstance(top, Bond) else "bridge"
            yield Problem(f"node group {group.name!r}: primary NIC {nic.name} is enslaved to {kind} {top.name!r}, "
                          f"which does not take over the node's IP: the nodes lose their network",
                          _port_span(chain[0]), f"use another NIC, or give {kind} {top.name} the node's IP "
                          f"configuration (dhcp or the static address)",
                          (Related(nic.span, f"{nic.name} carries the node IP"),))


@rule("NNCP-02", "ovn-primary-interface-touched", "Node policy touching br-ex or the primary NIC on OVN-Kubernetes",
      options={"ovn_kubernetes": True})
def ovn_primary_interface_touched(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    On OVN-Kubernetes clusters (OpenShift), reports node policies that declare, remove or enslave `br-ex`
    or the node's primary NIC (which OVN-K already placed in `br-ex`). Bridge mappings to `br-ex` for
    localnet networks are fine.

    ## Why is this bad?
    `br-ex` and its port belong to OVN-Kubernetes; changing them with nmstate cuts the node off the
    cluster network or is reverted, and only the documented install-time procedure may customise them.

    ## Example
    ```yaml
    bonds: {bond0: {ports: [eno1, eno2]}}   # eno1 is the primary NIC, already in br-ex
    ```

    ## Use instead
    ```yaml
    bonds: {bond1: {ports: [ens3f0, ens3f1]}}
    ovnBridgeMappings: {physnet-prod: br-ex}
    ```

    ## How to fix
    Use other NICs for VM bridges, or reach the physical network through a localnet mapping on br-ex.

    ## Options
    - `ovn_kubernetes`: the OpenShift cluster runs OVN-Kubernetes (default true; false for OpenShift SDN).
    """
    if not is_openshift(ctx.site) or not bool(ctx.options.get("ovn_kubernetes", True)):
        return
    for group in ctx.site.node_groups:
        primary = {nic.name for nic in _primaries(group)}
        where = f"node group {group.name!r}"
        declared = [(b.name, b.span) for b in group.bonds] + [(b.name, b.span) for b in group.bridges]
        declared += [(v.name, v.span) for v in group.vlan_interfaces]
        for name, span in declared:
            if name == OVN_BRIDGE:
                yield Problem(f"{where} declares {OVN_BRIDGE}, which OVN-Kubernetes owns", span,
                              f"do not manage {OVN_BRIDGE} with a node policy; use another bridge")
        masters = _masters(group)
        for name in sorted(primary | {OVN_BRIDGE}):
            if name in masters:
                master = masters[name]
                yield Problem(f"{where} enslaves {name} to {master.name!r}; on OVN-Kubernetes {name} belongs "
                              f"to {OVN_BRIDGE}", _port_span(master), "use another NIC for VM bridges and bonds")
        for name in group.removed_interfaces:
            if name in primary or name == OVN_BRIDGE:
                yield Problem(f"{where} removes {name}, which OVN-Kubernetes uses", group.at("removed_interfaces"),
                              f"do not remove {name}")


@rule("NNCP-03", "removed-interface-ports", "Removing a bridge or bond that is still used, or leaving its ports down")
def removed_interface_ports(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For node policies that set an interface `state: absent`: no remaining bridge, bond or VLAN interface
    of the policy may still use it, and the policy must re-declare the former ports (with their IP
    configuration) — a policy that only removes leaves them down.

    ## Why is this bad?
    When a bridge or bond is removed, nmstate sets its former ports down; if one carried node traffic
    the node becomes unreachable. Deleting the NNCP instead of setting `absent` changes nothing on nodes.

    ## Example
    ```yaml
    desiredState:
      interfaces:
        - {name: br1, type: linux-bridge, state: absent}
    ```

    ## Use instead
    ```yaml
    desiredState:
      interfaces:
        - {name: br1, type: linux-bridge, state: absent}
        - {name: eth1, type: ethernet, state: up, ipv4: {enabled: true, dhcp: true}}
    ```

    ## How to fix
    List the former ports with `state: up` (and their IP settings) in the same policy.
    """
    for group in ctx.site.node_groups:
        if not group.removed_interfaces:
            continue
        removed = set(group.removed_interfaces)
        users = [(b.name, b.port) for b in group.bridges if b.port] + \
                [(b.name, p) for b in group.bonds for p in b.ports] + \
                [(v.name, v.base) for v in group.vlan_interfaces]
        for user, port in users:
            if port in removed:
                yield Problem(f"node group {group.name!r} removes {port} while {user} still uses it",
                              group.at("removed_interfaces"), f"remove {user} too, or keep {port}")
        declared = bool(group.nics or group.bonds or group.bridges or group.vlan_interfaces)
        if not declared:
            shown = ", ".join(sorted(removed))
            yield Problem(f"node group {group.name!r} removes {shown} without re-declaring the former ports: "
                          f"nmstate leaves them down (a node that used them loses its network)",
                          group.at("removed_interfaces"),
                          "list the former ports with state: up and their IP configuration in the same policy")


@rule("NNCP-04", "bridge-dhcp-without-mac-copy", "Bridge taking a node's DHCP address without copying its port's MAC",
      severity="warning")
def bridge_dhcp_without_mac_copy(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports bridges that take the node's address by DHCP from an uplink port but do not set
    `copy-mac-from` (site: `copyMacFrom`) to that port.

    ## Why is this bad?
    The bridge gets its own (random or persistent) MAC, so the DHCP server hands out a different address:
    the node's IP changes now and after reboots.

    ## Example
    ```yaml
    bridges: {br-vm: {port: eno2, dhcp: true}}
    ```

    ## Use instead
    ```yaml
    bridges: {br-vm: {port: eno2, dhcp: true, copyMacFrom: eno2}}
    ```

    ## How to fix
    Set copy-mac-from to the NIC whose address the bridge takes over.
    """
    for group in ctx.site.node_groups:
        for br in group.bridges:
            if br.ipv4_dhcp and br.port and not br.copy_mac_from:
                yield Problem(f"node group {group.name!r}: bridge {br.name!r} gets the node's address by DHCP "
                              f"without copying the MAC of {br.port}: the address changes", br.at("ipv4_dhcp"),
                              f"set copy-mac-from: {br.port} on {br.name}")


@rule("NNCP-05", "bond-mode-under-vm-bridge", "Bond under a VM bridge in a mode bridged guests cannot use",
      options={"allowed_modes": VM_BRIDGE_MODES, "lacp_alias_supported": False})
def bond_mode_under_vm_bridge(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Bonds that carry a VM bridge (directly or through a VLAN interface) must use `active-backup` (1),
    `balance-xor` (2) or `802.3ad` (4), monitored with miimon rather than ARP; `lacp` is only accepted by
    recent nmstate.

    ## Why is this bad?
    Modes 0, 3, 5 and 6 rewrite or duplicate MACs in ways bridged guests do not survive (`balance-alb`
    under br-ex even lost DHCP addresses); `mode: lacp` fails the policy on older nmstate ("invalid value
    'lacp' for option 'mode'").

    ## Example
    ```yaml
    bonds: {bond1: {mode: balance-alb, ports: [ens3f0, ens3f1]}}
    bridges: {br-vm: {port: bond1}}
    ```

    ## Use instead
    ```yaml
    bonds: {bond1: {mode: 802.3ad, ports: [ens3f0, ens3f1], options: {miimon: "100"}}}
    ```

    ## How to fix
    Use active-backup, balance-xor or 802.3ad (with switch support), and miimon link monitoring.

    ## Options
    - `allowed_modes`: bond modes allowed under VM bridges (default active-backup, balance-xor, 802.3ad).
    - `lacp_alias_supported`: nmstate accepts `lacp` as 802.3ad (default false).
    """
    allowed = set(ctx.options.get("allowed_modes", VM_BRIDGE_MODES))
    lacp_ok = bool(ctx.options.get("lacp_alias_supported", False))
    for group in ctx.site.node_groups:
        vlan_bases = {v.name: v.base for v in group.vlan_interfaces}
        under_bridge: dict[str, Bridge] = {}
        for bridge in group.bridges:
            if bridge.port:
                under_bridge.setdefault(vlan_bases.get(bridge.port, bridge.port), bridge)
        for bond in group.bonds:
            if bond.name not in under_bridge:
                continue
            br = under_bridge[bond.name]
            mode = BOND_MODE_NAMES.get(str(bond.mode), str(bond.mode))
            context = (Related(br.at("port"), f"bridge {br.name!r} uses bond {bond.name!r}"),)
            if mode == "lacp":
                if not lacp_ok:
                    yield Problem(f"bond {bond.name!r} uses mode lacp, which older nmstate rejects", bond.at("mode"),
                                  "write mode: 802.3ad", context)
                mode = "802.3ad"
            if mode not in allowed:
                yield Problem(f"bond {bond.name!r} under VM bridge {br.name!r} uses mode {bond.mode}; bridged VMs "
                              f"need {', '.join(sorted(allowed))}", bond.at("mode"),
                              "use active-backup, balance-xor or 802.3ad", context)
            if any(k.replace("-", "_") in ("arp_interval", "arp_ip_target") for k in bond.options):
                yield Problem(f"bond {bond.name!r} under VM bridge {br.name!r} uses ARP monitoring", bond.at("options"),
                              "use miimon link monitoring instead", context)


@rule("NNCP-06", "ip-on-ovs-bridge", "Host IP configured on an OVS bridge entry instead of its ovs-interface")
def ip_on_ovs_bridge(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports node policies that enable `ipv4` or `ipv6` (an address, DHCP, autoconf or `enabled: true`)
    on an interface of `type: ovs-bridge`. `enabled: false` there is fine.

    ## Why is this bad?
    An OVS bridge exists only in the Open vSwitch database; the kernel interface that can hold an address
    is the bridge's internal port, an `ovs-interface` entry. nmstate drops MTU and IP settings from an
    `ovs-bridge` entry without an error, so the policy succeeds and the node never gets the address - if
    it was the node's address on that network, the node is unreachable there.

    ## Example
    ```yaml
    desiredState:
      interfaces:
      - name: br1
        type: ovs-bridge
        state: up
        ipv4: {enabled: true, address: [{ip: 192.168.122.201, prefix-length: 24}]}
        bridge: {port: [{name: eth1}]}
    ```

    ## Use instead
    ```yaml
    desiredState:
      interfaces:
      - name: br1
        type: ovs-bridge
        state: up
        bridge: {port: [{name: eth1}, {name: br1}]}
      - name: br1
        type: ovs-interface
        state: up
        ipv4: {enabled: true, address: [{ip: 192.168.122.201, prefix-length: 24}]}
    ```

    ## How to fix
    Move the `ipv4`/`ipv6` block to an `ovs-interface` entry (it may share the bridge's name) and list
    that interface as a port of the bridge.

    ## References
    - nmstate `OvsBridgeInterface::sanitize` ("OVS Bridge cannot have MTU, IP or MAC address"):
      https://github.com/nmstate/nmstate/blob/base/rust/src/lib/ifaces/ovs.rs
    - nmstate YAML API, OpenvSwitch Internal Interface: https://nmstate.io/devel/yaml_api.html
    """
    for group in ctx.site.node_groups:
        for bridge in group.ovs_bridges:
            if not bridge.ip_families:
                continue
            families = " and ".join(bridge.ip_families)
            where = (f"the ovs-interface {bridge.name}, already a port of the bridge," if bridge.name in bridge.ports
                     else f"an ovs-interface entry (e.g. named {bridge.name}) listed as a port of the bridge")
            yield Problem(f"node group {group.name!r}: ovs-bridge {bridge.name!r} has {families} settings, which "
                          f"nmstate drops (an OVS bridge exists only in the OVS database): the node never gets "
                          f"that address", bridge.at("ip_families"), f"move the {families} block to {where}")


@rule("NNCP-07", "nmstate-slaves-key", "Ports listed under nmstate's old `slaves` key", severity="warning")
def nmstate_slaves_key(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports bonds and bridges in node policies whose ports are listed under `slaves` instead of `port`.

    ## Why is this bad?
    nmstate dropped `slaves` in 2021 and only later accepted it again as a deprecated alias of `port`,
    with a warning. Whether a node applies the policy or fails it with an unknown-field error depends on
    the nmstate release on that node.

    ## Example
    ```yaml
    link-aggregation:
      mode: active-backup
      slaves: [eth1, eth2]
    ```

    ## Use instead
    ```yaml
    link-aggregation:
      mode: active-backup
      port: [eth1, eth2]
    ```

    ## How to fix
    Rename `slaves:` to `port:`; the list stays as it is.

    ## References
    - nmstate#1655 "bridge, bond: drop slave support from schema": https://github.com/nmstate/nmstate/pull/1655
    - nmstate#2458 "Add support of `slaves` back as deprecated": https://github.com/nmstate/nmstate/pull/2458
    """
    for group in ctx.site.node_groups:
        for index, name in enumerate(group.deprecated_slaves):
            span = group.spans.get(f"deprecated_slaves[{index}]", group.at("deprecated_slaves"))
            yield Problem(f"node group {group.name!r}: {name} lists its ports under `slaves`, nmstate's old name "
                          f"for `port`, which some nmstate releases reject", span, "rename slaves: to port:")

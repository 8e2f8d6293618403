"""VLAN rules (failure corpus §2): id ranges, trunks of the uplinks that carry a network, default VLANs.

A network's VLAN is `Network.vlan` (0 or None: untagged) or its `vlan_trunk` ranges; the bridges that
carry it are found through the graph (`groups_carrying_bridge`), and what a bridge's uplink trunks is
`Bridge.vlans` (empty: untagged only). VLAN-06 (guest tagging) and VLAN-08 (loops through several VLAN
sub-interfaces on one bridge) need facts the model does not hold: a VM's intent to tag, and more than one
port per bridge.
"""

from __future__ import annotations

from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import Bridge, Network, NodeGroup, VlanRange
from kvnet.rules.cni_keys import KNOWN_KEYS, VLAN_TYPOS
from kvnet.rules.netfacts import bad_option, in_ranges, net_label, parse_id_ranges
from kvnet.rules.registry import RuleContext, rule
from kvnet.span import Span

BRIDGE_CNIS = ("bridge", "cnv-bridge")
IMPLICIT_TRUNK = (2, 4094)  # what kubernetes-nmstate trunks on a bridge port without a `vlan` block


def _tagged(net: Network) -> bool:
    return bool(net.vlan) or bool(net.vlan_trunk)


def _is_bridge_cni(net: Network) -> bool:
    return net.type == "linux-bridge" and (net.cni_type in BRIDGE_CNIS or not net.cni_type)


def _text(vr: VlanRange) -> str:
    return str(vr.low) if vr.low == vr.high else f"{vr.low}-{vr.high}"


@rule("VLAN-01", "vlan-out-of-range", "VLAN id outside 0–4094 (trunks 1–4094) or outside the allowed ranges",
      severity="error", options={"allowed": ["1-4094"]})
def vlan_out_of_range(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks VLAN ids: a network's `vlan` must be 0–4094 (0 is untagged; bridge CNI, SR-IOV and OVN
    localnet agree), trunk ranges (`vlanTrunk`, a bridge's `vlans`, VLAN interfaces) 1–4094 with the low
    end first. Tagged VLANs of networks must also fall in the policy's `allowed` ranges.

    ## Why is this bad?
    NADs are opaque JSON, so the API server accepts any number; the bridge CNI fails only when a VM
    starts ("invalid VLAN ID 4095 (must be between 0 and 4094)") and the VM hangs in ContainerCreating.
    4095 is reserved by 802.1Q; some plugin versions silently accepted 4096 or more.

    ## Example
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 4095}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110}
    ```

    ## How to fix
    Use a VLAN id between 1 and 4094 that your switches carry and the policy allows.

    ## Options
    - `allowed` (default `["1-4094"]`): VLAN ids or ranges (`"100-299"`) networks may use.
    """
    allowed, bad = parse_id_ranges(ctx.options.get("allowed", ["1-4094"]))
    if bad:
        yield bad_option(ctx.site, "VLAN-01", "allowed", bad, 'VLAN ids or ranges such as "100-299"')
        allowed = [(1, 4094)]
    for net in ctx.site.networks:
        if net.vlan is not None:
            if not 0 <= net.vlan <= 4094:
                yield Problem(f"VLAN {net.vlan} of network {net_label(net)} is outside 0–4094", net.at("vlan"),
                              "use a VLAN id between 1 and 4094 (0 for untagged)")
            elif net.vlan and not in_ranges(net.vlan, allowed):
                yield _not_allowed(net, str(net.vlan), net.at("vlan"), allowed)
        for vr in net.vlan_trunk:
            if not _trunk_ok(vr):
                yield Problem(f"trunk range {_text(vr)} of network {net_label(net)} is not within 1–4094 with the "
                              "low end first", vr.span, "use trunk ids 1–4094 written low-high")
            elif not _covered(vr, allowed):
                yield _not_allowed(net, _text(vr), vr.span, allowed)
    for group in ctx.site.node_groups:
        for br in group.bridges:
            for vr in br.vlans:
                if not _trunk_ok(vr):
                    yield Problem(f"bridge {br.name} of node group {group.name} trunks {_text(vr)}, not within "
                                  "1–4094 with the low end first", vr.span, "use trunk ids 1–4094 written low-high")
        for vif in group.vlan_interfaces:
            if not 1 <= vif.vlan_id <= 4094:
                yield Problem(f"VLAN interface {vif.name} of node group {group.name} has id {vif.vlan_id}, outside "
                              "1–4094", vif.at("vlan_id"), "use a VLAN id between 1 and 4094")


def _trunk_ok(vr: VlanRange) -> bool:
    return 1 <= vr.low <= vr.high <= 4094


def _covered(vr: VlanRange, ranges: list[tuple[int, int]]) -> bool:
    """Whether every id of `vr` lies in the union of `ranges`."""
    next_needed = vr.low
    for low, high in sorted(ranges):
        if low > next_needed:
            break
        next_needed = max(next_needed, high + 1)
        if next_needed > vr.high:
            return True
    return next_needed > vr.high


def _not_allowed(net: Network, text: str, span: Span, allowed: list[tuple[int, int]]) -> Problem:
    shown = ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in allowed)
    return Problem(f"VLAN {text} of network {net_label(net)} is outside the allowed ranges ({shown})", span,
                   "use a VLAN from the allowed ranges, or widen `allowed` of VLAN-01 in the policy")


@rule("VLAN-02", "vlan-and-trunk", "Bridge network sets both `vlan` and `vlanTrunk`", severity="error")
def vlan_and_trunk(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Flags a bridge-CNI network that sets both an access `vlan` and `vlanTrunk` ranges.

    ## Why is this bad?
    A bridge port is either an access port or a trunk port: the bridge CNI fails at VM start with "cannot
    set vlan and vlanTrunk at the same time".

    ## Example
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, vlanTrunk: ["200-210"]}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110}
      guest-trunk: {type: linux-bridge, bridge: br-vm, vlanTrunk: ["200-210"]}
    ```

    ## How to fix
    Keep `vlan` for an access port or `vlanTrunk` for a trunk port, and split the network in two if
    you need both.
    """
    for net in ctx.site.networks:
        if _is_bridge_cni(net) and net.vlan and net.vlan_trunk:
            yield Problem(f"network {net_label(net)} sets vlan {net.vlan} and vlanTrunk "
                          f"{', '.join(_text(v) for v in net.vlan_trunk)}; a bridge port is access or trunk",
                          net.at("vlan_trunk"), "remove `vlanTrunk` (or `vlan`), or split the network in two",
                          (Related(net.at("vlan"), f"vlan {net.vlan}"),))


@rule("VLAN-03", "vlan-not-trunked", "Network VLAN that the uplink of its bridge does not trunk",
      severity="error")
def vlan_not_trunked(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For each tagged Linux-bridge network, finds every node group whose bridge carries it (through the
    graph) and checks that the bridge's uplink trunks the network's VLAN (or all of its `vlanTrunk`
    ranges). A site bridge without `vlans` gets kubernetes-nmstate's default trunk (2-4094); a bridge read
    from an NNCP whose port says `vlan: {}` is not VLAN filtering and enforces no VLAN. Bridges without an
    uplink are left to NAD-04.

    ## Why is this bad?
    On a VLAN-filtering bridge whose uplink lacks the VID, tagged frames never leave the node: VMs on the
    network reach each other on one node and nothing else ("VLAN 3712 is not added to bond0 so nothing
    works"). No component reports it.

    ## Example
    ```yaml
    nodeGroups:
      workers:
        bridges:
          br-vm: {port: bond1, vlans: ["100-199"]}
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 250}
    ```

    ## Use instead
    ```yaml
          br-vm: {port: bond1, vlans: ["100-299"]}
    ```

    ## How to fix
    Add the VLAN to the bridge's `vlans` in every node group that carries it (and to the switch ports),
    or move the network to a VLAN the uplink trunks.
    """
    for net in ctx.site.networks:
        if net.type != "linux-bridge" or not net.bridge or not _tagged(net):
            continue
        wanted = [(net.vlan, net.vlan)] if net.vlan else [(v.low, v.high) for v in net.vlan_trunk]
        if not all(1 <= lo <= hi <= 4094 for lo, hi in wanted):
            continue  # VLAN-01 reports ids no trunk can carry
        missing: list[tuple[NodeGroup, Bridge]] = []
        for group in ctx.graph.groups_carrying_bridge(net.bridge):
            br = group.bridge(net.bridge)
            if br is None or br.port is None:
                continue
            trunk = _trunk_of(group, br)
            if not all(_covered(VlanRange(br.span, low=lo, high=hi), trunk) for lo, hi in wanted):
                missing.append((group, br))
        if missing:
            what = f"VLAN {net.vlan}" if net.vlan else "vlanTrunk " + ", ".join(_text(v) for v in net.vlan_trunk)
            groups = ", ".join(g.name for g, _ in missing)
            field = "vlan" if net.vlan else "vlan_trunk"
            yield Problem(f"{what} of network {net_label(net)} is not trunked by the uplink of bridge {net.bridge} "
                          f"in node group(s) {groups}: its frames never leave the node", net.at(field),
                          f"add it to `vlans` of bridge {net.bridge} in {groups}, or use a VLAN the uplink trunks",
                          tuple(Related(br.at("vlans"), _trunk_note(g, br)) for g, br in missing))


def _trunk_of(group: NodeGroup, br: Bridge) -> list[tuple[int, int]]:
    """The VLANs a bridge's uplink carries. kvnet writes no port `vlan` block for a site bridge without
    `vlans`, and kubernetes-nmstate then trunks 2-4094 on its own; the manifests front end records that
    default itself, so an empty list from manifests means filtering is off (`vlan: {}`)."""
    if not br.vlans and group.origin == "site":
        return [IMPLICIT_TRUNK]
    return [(v.low, v.high) for v in br.vlans]


def _trunk_note(group: NodeGroup, br: Bridge) -> str:
    if not br.vlans:
        return f"bridge {br.name} in {group.name} is not VLAN filtering on {br.port}: tagged ports are not enforced"
    return f"bridge {br.name} in {group.name} trunks {', '.join(_text(v) for v in br.vlans)} on {br.port}"


@rule("VLAN-04", "preserve-default-vlan", "Tagged bridge network that keeps the VM port in the default VLAN",
      severity="warning")
def preserve_default_vlan(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Flags a tagged bridge-CNI network (with `vlan` or `vlanTrunk`) whose `preserveDefaultVlan` is true,
    or not written in a NetworkAttachmentDefinition (the default was true up to CNI plugins 1.7, and
    OpenShift documents true). kvnet always writes `false` for the networks it generates.

    ## Why is this bad?
    With the default kept, the VM's port also stays an untagged member of the bridge's default VLAN: the
    "isolated" VLAN VM sees and sends native-VLAN traffic. OpenShift Virtualization says it must be false
    (raise the rule to `error` in the policy of an OpenShift repository).

    ## Example
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "name": "prod-web", "type": "bridge", "bridge": "br-vm", "vlan": 110}'
    ```

    ## Use instead
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "name": "prod-web", "type": "bridge", "bridge": "br-vm", "vlan": 110,
                "preserveDefaultVlan": false}'
    ```

    ## How to fix
    Set `"preserveDefaultVlan": false` in the network's CNI config.
    """
    for net in ctx.site.networks:
        if not _is_bridge_cni(net) or not _tagged(net):
            continue
        if net.preserve_default_vlan is True:
            span, why = net.at("preserve_default_vlan"), "sets preserveDefaultVlan: true"
        elif net.preserve_default_vlan is None and net.origin == "manifest":
            span, why = net.at("vlan" if net.vlan else "vlan_trunk"), "does not set preserveDefaultVlan (default true)"
        else:
            continue
        yield Problem(f"tagged network {net_label(net)} {why}: its VMs stay in the bridge's untagged default VLAN",
                      span, 'set "preserveDefaultVlan": false')


@rule("VLAN-05", "vlan-one", "Network on VLAN 1, the bridge's default (native) VLAN", severity="warning")
def vlan_one(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Warns on a network with `vlan: 1` or a `vlanTrunk` range that includes VLAN 1.

    ## Why is this bad?
    VLAN 1 is every bridge port's default PVID: frames of the "VLAN 1" VM travel untagged and mix with
    the node's own untagged traffic, and changing PVIDs later can cut the node off.

    ## Example
    ```yaml
    networks:
      mgmt: {type: linux-bridge, bridge: br-vm, vlan: 1}
    ```

    ## Use instead
    ```yaml
    networks:
      mgmt: {type: linux-bridge, bridge: br-vm}        # the native (untagged) VLAN, said explicitly
    ```

    ## How to fix
    Leave `vlan` out to put the network on the native VLAN explicitly, or use a real tenant VLAN.
    """
    for net in ctx.site.networks:
        if net.vlan == 1:
            yield Problem(f"network {net_label(net)} uses VLAN 1, the bridge's default untagged VLAN", net.at("vlan"),
                          "leave `vlan` out for the native VLAN, or use a tenant VLAN")
        for vr in net.vlan_trunk:
            if vr.low <= 1 <= vr.high:
                yield Problem(f"vlanTrunk {_text(vr)} of network {net_label(net)} includes VLAN 1, the bridge's "
                              "default untagged VLAN", vr.span, "start the trunk range at 2")


@rule("VLAN-07", "unknown-cni-key", "Key in a NAD's CNI config that the plugin ignores", severity="warning")
def unknown_cni_key(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks the top-level keys of each NetworkAttachmentDefinition's CNI config against the keys its
    plugin (bridge, cnv-bridge, ovn-k8s-cni-overlay, sriov, macvlan) reads, and names the likely intended
    key (`vlanId` → `vlan`).

    ## Why is this bad?
    CNI plugins unmarshal into structs and drop unknown fields: a misspelt `vlanId` puts the VM on the
    untagged segment with no error anywhere.

    ## Example
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "name": "prod-web", "type": "bridge", "bridge": "br-vm", "vlanId": 110}'
    ```

    ## Use instead
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "name": "prod-web", "type": "bridge", "bridge": "br-vm", "vlan": 110}'
    ```

    ## How to fix
    Rename the key to the one the plugin reads, or remove it.
    """
    for net in ctx.site.networks:
        known = KNOWN_KEYS.get(net.cni_type)
        if known is None or not net.raw_config_keys:
            continue
        for key in net.raw_config_keys:
            if key in known:
                continue
            guess = _intended_key(key, known)
            hint = f"rename it to `{guess}`" if guess else "remove it, or use a key the plugin reads"
            span = net.spans.get(f"config.{key}", net.at("config"))
            yield Problem(f"key {key!r} in the {net.cni_type} config of {net_label(net)} is not read by the plugin "
                          "and is silently dropped" + (f" (did you mean {guess!r}?)" if guess else ""), span, hint)


def _intended_key(key: str, known: frozenset[str]) -> str | None:
    """The key a misspelt one most likely meant: same letters in another case, a known VLAN typo, or close."""
    by_lower = {k.lower(): k for k in known}
    if key.lower() in by_lower:
        return by_lower[key.lower()]
    typo = VLAN_TYPOS.get(key.lower())
    if typo in known:
        return typo
    import difflib  # here: only a typo needs it, and kvnet's start-up matters

    return next(iter(difflib.get_close_matches(key, sorted(known), 1, 0.75)), None)


@rule("VLAN-09", "vlan-on-bridge", "VLAN interface on a bridge that forces VLAN filtering on it",
      severity="warning")
def vlan_on_bridge(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Warns about a node VLAN interface whose base is a Linux bridge that is not VLAN filtering (no `vlans`).

    ## Why is this bad?
    nmstate turns `vlan_filtering` on for the parent bridge at every reconcile and there is no knob to
    stop it: a bridge meant as an unfiltered trunk starts dropping the tagged traffic it used to forward.

    ## Example
    ```yaml
    bridges:
      br-trunk: {port: bond1}
    vlanInterfaces:
      br-trunk.100: {base: br-trunk, id: 100}
    ```

    ## Use instead
    ```yaml
    bridges:
      br-trunk: {port: bond1}
    vlanInterfaces:
      bond1.100: {base: bond1, id: 100}
    ```

    ## How to fix
    Build the VLAN interface on the bridge's uplink instead, or make the bridge VLAN filtering with an
    explicit `vlans` trunk list.
    """
    for group in ctx.site.node_groups:
        for vif in group.vlan_interfaces:
            br = group.bridge(vif.base)
            if br is not None and not br.vlans and not br.vlan_filtering:
                yield Problem(f"VLAN interface {vif.name} sits on bridge {br.name} of node group {group.name}; nmstate "
                              "then forces VLAN filtering on the bridge and drops its untrunked tagged traffic",
                              vif.at("base"), f"build {vif.name} on {br.port or 'the uplink'} instead, or give "
                              f"{br.name} an explicit `vlans` trunk list", (Related(br.span, f"bridge {br.name}"),))


@rule("VLAN-10", "mixed-subnets-on-segment", "Networks on one layer-2 segment with different subnets",
      severity="warning")
def mixed_subnets_on_segment(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Groups networks by layer-2 segment (bridge and VLAN, OVN network, localnet and VLAN, SR-IOV PF and
    VLAN) and reports a network whose subnets differ from those of the first network on the segment.

    ## Why is this bad?
    One VLAN is one broadcast domain. Two networks that put different subnets on it usually mean a
    copy-pasted or mistyped VLAN: the VMs share a wire they were meant to be isolated from, yet cannot
    reach each other without a router. Overlapping but unequal subnets give guests inconsistent masks.

    ## Example
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24}
      prod-db:  {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.120.0.0/24}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24}
      prod-db:  {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24}
    ```

    ## How to fix
    Give each subnet its own VLAN, or make the networks on one VLAN share one subnet.
    """
    first_on: dict[str, Network] = {}
    for net in ctx.site.networks:
        if not net.subnets or net.type == "pod":
            continue
        domain = ctx.graph.l2_domain(net)
        first = first_on.setdefault(domain, net)
        if first is net or set(first.subnets) == set(net.subnets):
            continue
        mine = ", ".join(map(str, net.subnets))
        theirs = ", ".join(map(str, first.subnets))
        clash = any(a.version == b.version and a.overlaps(b) for a in net.subnets for b in first.subnets)
        how = "overlaps but differs from" if clash else "differs from"
        yield Problem(f"network {net_label(net)} puts {mine} on the same layer-2 segment as {net_label(first)}, "
                      f"and {how} its {theirs}", net.at("subnets"),
                      "use a separate VLAN for this subnet, or the same subnet as the other network",
                      (Related(first.at("subnets"), f"{net_label(first)} uses {theirs} on this segment"),))


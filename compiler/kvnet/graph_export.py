"""Draw a site: the SiteGraph as a Mermaid flowchart, a Graphviz DOT graph, or JSON.

The drawing follows the data path users reason about: node groups → NICs → bonds / VLAN interfaces →
bridges → networks → VMs, with Services pointing at the VMs they select and MetalLB pools at the Services
that take addresses from them. Two simplifications keep it readable:

- a VM interface is not a box of its own: the network → VM edge carries the interface name;
- VMs expanded from one VM group (`web-{01..03}`) are drawn as one box "×3" unless `expand=True`;
  individual nodes (hosts) are counted in their group's box.

References that resolve to nothing (an interface naming an unknown network, a bridge port the group does
not declare) are drawn as "?" boxes, so the drawing shows what the rules complain about. The output is
deterministic: boxes and edges are sorted, and ids are derived from names, not from memory addresses.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kvnet.frozen import frozen
from kvnet.graph import GraphNode, SiteGraph
from kvnet.model import (
    AddressPool,
    Bond,
    Bridge,
    Network,
    NodeGroup,
    Service,
    SriovPolicy,
    VlanInterface,
    Vm,
)

GRAPH_FORMATS = ("mermaid", "dot", "json")

# Draw order: left to right along the data path.
KIND_RANK = {kind: rank for rank, kind in enumerate(
    ("group", "nic", "bond", "vlanif", "unknown-port", "bridge", "sriov-policy", "pod", "network",
     "unknown-network", "vm", "service", "pool"))}


@frozen
class Box:
    """One box of the drawing. `key` is its identity in the SiteGraph (or a drawing-only key)."""

    key: tuple[str, ...]
    kind: str
    label: str
    facts: tuple[tuple[str, str], ...] = ()


@frozen(order=True)
class Line:
    """An edge between two boxes (by key), with an optional label."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    label: str = ""


@dataclass
class SiteDrawing:
    """What is drawn, independent of the output format."""

    name: str
    boxes: dict[tuple[str, ...], Box] = field(default_factory=dict)
    lines: set[Line] = field(default_factory=set)

    def add(self, box: Box) -> tuple[str, ...]:
        self.boxes.setdefault(box.key, box)
        return box.key

    def connect(self, source: tuple[str, ...], target: tuple[str, ...], label: str = "") -> None:
        self.lines.add(Line(source, target, label))

    def sorted_boxes(self) -> list[Box]:
        return sorted(self.boxes.values(), key=lambda b: (KIND_RANK.get(b.kind, 99), b.key))

    def sorted_lines(self) -> list[Line]:
        return sorted(self.lines)


# ------------------------------------------------------------------------------------------ labels


def _vlan_ranges(ranges: Any) -> str:
    return ",".join(f"{r.low}" if r.low == r.high else f"{r.low}-{r.high}" for r in ranges)


def _facts(obj: object) -> tuple[tuple[str, str], ...]:
    """The few facts worth printing under a box's name."""
    facts: list[tuple[str, str]] = []

    def add(name: str, value: object) -> None:
        if value not in (None, "", (), False):
            facts.append((name, str(value)))

    if isinstance(obj, Bond):
        add("mode", obj.mode)
        add("mtu", obj.mtu)
    elif isinstance(obj, Bridge):
        add("vlans", _vlan_ranges(obj.vlans))
        add("mtu", obj.mtu)
    elif isinstance(obj, VlanInterface):
        add("vlan", obj.vlan_id)
    elif isinstance(obj, Network):
        add("type", obj.type)
        add("vlan", obj.vlan)
        add("subnet", ", ".join(str(s) for s in obj.subnets))
        add("purpose", obj.purpose)
    elif isinstance(obj, SriovPolicy):
        add("resource", obj.resource_name)
        add("vfs", obj.num_vfs)
    elif isinstance(obj, Service):
        add("type", obj.type)
        add("ports", ",".join(str(p.port) for p in obj.ports))
    elif isinstance(obj, AddressPool):
        add("addresses", ", ".join(f"{r.start}-{r.end}" for r in obj.ranges))
    elif obj is not None and hasattr(obj, "mtu"):
        add("mtu", obj.mtu)
    return tuple(facts)


def _box_for(node: GraphNode, obj: object, host_counts: Counter[str]) -> Box:
    kind = node[0]
    name = node[-1]
    if kind == "group" and isinstance(obj, NodeGroup):
        hosts = host_counts.get(obj.name, 0)
        return Box(node, kind, name, (("nodes", str(hosts)),) if hosts else ())
    if kind == "unknown-port":
        return Box(node, kind, f"? {name}", (("note", f"not declared in {node[1]}"),))
    if kind in ("service",):
        return Box(node, kind, f"{node[1]}/{name}", _facts(obj))
    return Box(node, kind, name, _facts(obj))


# ------------------------------------------------------------------------------------------ building


def _vm_key(vm: Vm, expand: bool) -> tuple[tuple[str, ...], str]:
    """The box a VM is drawn in, and the label of that box."""
    if vm.group and not expand:
        return ("vm-group", vm.namespace, vm.group), f"{vm.namespace}/{vm.group}"
    return ("vm", vm.namespace, vm.name), f"{vm.namespace}/{vm.name}"


def build_drawing(graph: SiteGraph, *, expand: bool = False) -> SiteDrawing:
    """The boxes and lines of one site's drawing."""
    site = graph.site
    drawing = SiteDrawing(site.name)
    host_counts: Counter[str] = Counter(n.group for n in site.nodes)
    g = graph.g
    skipped = {"node", "iface", "vm", "service", "pool"}  # drawn below with their own logic
    for node in g.nodes:
        if node[0] not in skipped:
            drawing.add(_box_for(node, g.nodes[node].get("obj"), host_counts))
    # hardware and networks: the edges of the graph as they are
    for source, target in g.edges:
        if source[0] not in skipped and target[0] not in skipped:
            drawing.connect(source, target)
    for node in g.nodes:  # the graph leaves undeclared ports unattached: draw them under their group
        if node[0] == "unknown-port" and ("group", node[1]) in g:
            drawing.connect(("group", node[1]), node)
    _draw_localnet_uplinks(graph, drawing)
    _draw_sriov_pfs(graph, drawing)
    _draw_vms(graph, drawing, expand)
    _draw_services(graph, drawing, expand)
    return drawing


def _draw_localnet_uplinks(graph: SiteGraph, drawing: SiteDrawing) -> None:
    """OVN localnet networks leave a node through the OVS bridge of a bridge mapping."""
    for net in graph.site.networks:
        if net.type != "ovn-localnet":
            continue
        physical = net.physical_network or net.ovn_network_name or net.name
        for group in graph.site.node_groups:
            for mapping in group.ovn_bridge_mappings:
                if mapping.localnet == physical:
                    drawing.connect(("group", group.name), graph.network_node(net), f"{mapping.bridge}")


def _draw_sriov_pfs(graph: SiteGraph, drawing: SiteDrawing) -> None:
    """An SR-IOV policy takes VFs from physical functions (NICs) of its node group."""
    for policy in graph.site.sriov_policies:
        group = graph.site.node_group(policy.node_group) if policy.node_group else None
        if group is None:
            continue
        for pf in policy.pf_names:
            if group.nic(pf) is not None:
                drawing.connect(("nic", group.name, pf), ("sriov-policy", policy.name))


def _draw_vms(graph: SiteGraph, drawing: SiteDrawing, expand: bool) -> None:
    members: Counter[tuple[str, ...]] = Counter()
    labels: dict[tuple[str, ...], str] = {}
    for vm in graph.site.vms:
        key, label = _vm_key(vm, expand)
        members[key] += 1
        labels[key] = label
    for key, count in members.items():
        facts = (("vms", str(count)),) if key[0] == "vm-group" else ()
        drawing.add(Box(key, "vm", labels[key], facts))
    for vm, iface, net in graph.attachments():
        vm_box, _ = _vm_key(vm, expand)
        if net is not None:
            source = graph.network_node(net)
        elif iface.network in ("", "pod"):
            source = drawing.add(Box(("pod",), "pod", "pod network"))
        else:  # a name that resolves to no network: show the dangling reference
            source = drawing.add(Box(("unknown-network", iface.network), "unknown-network", f"? {iface.network}",
                                     (("note", "no such network"),)))
        label = iface.name if iface.state != "absent" else f"{iface.name} (absent)"
        drawing.connect(source, vm_box, label)


def _draw_services(graph: SiteGraph, drawing: SiteDrawing, expand: bool) -> None:
    for pool in graph.site.pools:
        drawing.add(Box(("pool", pool.name), "pool", pool.name, _facts(pool)))
    for svc in graph.site.services:
        skey = drawing.add(Box(("service", svc.namespace, svc.name), "service", f"{svc.namespace}/{svc.name}",
                               _facts(svc)))
        if svc.pool:
            pool_key = ("pool", svc.pool)
            if pool_key not in drawing.boxes:
                drawing.add(Box(pool_key, "pool", f"? {svc.pool}", (("note", "no such pool"),)))
            drawing.connect(pool_key, skey)
        for vm in graph.vms_selected_by(svc):
            drawing.connect(skey, _vm_key(vm, expand)[0])


# ------------------------------------------------------------------------------------------ ids


def _ids(drawing: SiteDrawing) -> dict[tuple[str, ...], str]:
    """Readable, unique, format-safe ids (letters, digits, underscores), assigned in sorted order."""
    ids: dict[tuple[str, ...], str] = {}
    taken: set[str] = set()
    for box in drawing.sorted_boxes():
        base = re.sub(r"[^A-Za-z0-9_]+", "_", "_".join(box.key)).strip("_") or "n"
        candidate, suffix = base, 2
        while candidate in taken:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(candidate)
        ids[box.key] = candidate
    return ids


# ------------------------------------------------------------------------------------------ renderers

_MERMAID_SHAPES = {
    "group": ('[["', '"]]'), "network": ('(["', '"])'), "pod": ('(["', '"])'), "unknown-network": ('(["', '"])'),
    "service": ('{{"', '"}}'), "pool": ('[("', '")]'), "bridge": ('[/"', '"/]'),
}
_MERMAID_CLASSES = {
    "hw": ("group", "nic", "bond", "vlanif", "bridge", "sriov-policy"),
    "net": ("network", "pod"),
    "vm": ("vm",),
    "svc": ("service", "pool"),
    "missing": ("unknown-port", "unknown-network"),
}
_MERMAID_STYLES = {
    "hw": "fill:#eef3fb,stroke:#4a6fa5",
    "net": "fill:#eaf7ee,stroke:#3c8d5a",
    "vm": "fill:#fdf6e3,stroke:#b58900",
    "svc": "fill:#f5eefb,stroke:#7a4fa5",
    "missing": "fill:#fdecea,stroke:#c0392b,stroke-dasharray: 4 2",
}


def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for quotes and angle brackets)."""
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _box_lines(box: Box) -> list[str]:
    return [box.label, *(v if k == "note" else f"{k} {v}" for k, v in box.facts)]


def to_mermaid(drawing: SiteDrawing) -> str:
    ids = _ids(drawing)
    out = ["flowchart LR", f"  %% kvnet site {_mermaid_text(drawing.name)}"]
    for box in drawing.sorted_boxes():
        opening, closing = _MERMAID_SHAPES.get(box.kind, ('["', '"]'))
        label = "<br/>".join(_mermaid_text(part) for part in _box_lines(box))
        out.append(f"  {ids[box.key]}{opening}{label}{closing}")
    for line in drawing.sorted_lines():
        arrow = f' -->|"{_mermaid_text(line.label)}"| ' if line.label else " --> "
        out.append(f"  {ids[line.source]}{arrow}{ids[line.target]}")
    for cls, style in _MERMAID_STYLES.items():
        members = [ids[b.key] for b in drawing.sorted_boxes() if b.kind in _MERMAID_CLASSES[cls]]
        if members:
            out.append(f"  classDef {cls} {style}")
            out.append(f"  class {','.join(members)} {cls}")
    return "\n".join(out) + "\n"


_DOT_SHAPES = {"group": "box3d", "nic": "box", "bond": "box", "vlanif": "box", "bridge": "trapezium",
               "network": "ellipse", "pod": "ellipse", "vm": "box", "service": "hexagon", "pool": "cylinder",
               "sriov-policy": "component", "unknown-port": "box", "unknown-network": "ellipse"}


def _dot_text(text: str) -> str:
    return json.dumps(text)  # a DOT string: double quotes with backslash escapes


def to_dot(drawing: SiteDrawing) -> str:
    ids = _ids(drawing)
    out = [f"digraph {_dot_text('kvnet site ' + drawing.name)} {{", "  rankdir=LR;",
           '  node [fontname="Helvetica", fontsize=10];']
    for box in drawing.sorted_boxes():
        label = _dot_text("\n".join(_box_lines(box)))
        style = ', style=dashed, color="#c0392b"' if box.kind.startswith("unknown") else ""
        out.append(f"  {ids[box.key]} [label={label}, shape={_DOT_SHAPES.get(box.kind, 'box')}{style}];")
    for line in drawing.sorted_lines():
        label = f" [label={_dot_text(line.label)}]" if line.label else ""
        out.append(f"  {ids[line.source]} -> {ids[line.target]}{label};")
    out.append("}")
    return "\n".join(out) + "\n"


def to_json(drawing: SiteDrawing) -> str:
    ids = _ids(drawing)
    data = {
        "site": drawing.name,
        "nodes": [{"id": ids[b.key], "kind": b.kind, "label": b.label, "facts": dict(b.facts)}
                  for b in drawing.sorted_boxes()],
        "edges": [{"from": ids[ln.source], "to": ids[ln.target], "label": ln.label}
                  for ln in drawing.sorted_lines()],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


RENDERERS = {"mermaid": to_mermaid, "dot": to_dot, "json": to_json}


def export_graph(graph: SiteGraph, fmt: str, *, expand: bool = False) -> str:
    """The drawing of `graph` in `fmt` (one of GRAPH_FORMATS)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown graph format {fmt!r} (use {', '.join(GRAPH_FORMATS)})") from None
    return renderer(build_drawing(graph, expand=expand))


__all__ = ["GRAPH_FORMATS", "Box", "Line", "SiteDrawing", "build_drawing", "export_graph", "to_dot", "to_json",
           "to_mermaid"]

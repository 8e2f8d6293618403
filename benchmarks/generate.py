"""Synthetic kvnet sites for the benchmarks: a site file, its lock file and the equivalent manifests.

    python benchmarks/generate.py 10000 out/         # out/site/{site.yaml,kvnet.lock.yaml}, out/manifests/

Proportions follow a plausible production cluster: one node per ~30 VMs, 2-4 node groups (one with SR-IOV
NICs), one linux-bridge network per ~200 VMs, each on its own VLAN inside the groups' bridge trunk and with a
/24 that fits its VMs, a namespace per ~500 VMs, ClusterIP Services for 10% of the VMs and LoadBalancer ones
(MetalLB pools) for 2%, 5% of the VMs written as groups (`batch-0001-{01..10}`), a few VMs on an OVN layer-2
overlay, an OVN localnet and an SR-IOV network, and a live-migration network. MACs and IPs are pinned in
kvnet.lock.yaml by kvnet's own allocator (what `kvnet lock` does); the manifests are what `kvnet compile`
writes for the site. Everything is free of conflicts: `kvnet check` reports no errors on either.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

GROUP_SIZE = 10  # VMs per group entry (web-{01..10})
VMS_PER_NODE = 30
VMS_PER_NETWORK = 200  # a /24 has 252 usable addresses besides the gateway
VMS_PER_NAMESPACE = 500
FIRST_VLAN = 101  # the migration network has VLAN 100; the bridge trunk is 100-999
MIGRATION_VLAN = 100
LOCALNET_VLAN = 3000  # on br-ex (physnet-edge), outside the br-vm trunk
SRIOV_VLAN = 3100
POLICY = "rules:\n  GIT-02: {options: {nncp_health_check: true}}\n"


@dataclass(frozen=True)
class Shape:
    """How many of each thing a site of `vms` VMs holds."""

    vms: int

    @property
    def nodes(self) -> int:
        return max(3, self.vms // VMS_PER_NODE)

    @property
    def groups(self) -> int:
        return 2 if self.vms < 1000 else 3 if self.vms < 10_000 else 4

    @property
    def networks(self) -> int:
        return max(2, -(-self.vms // VMS_PER_NETWORK))

    @property
    def namespaces(self) -> int:
        return max(2, self.vms // VMS_PER_NAMESPACE)

    @property
    def sriov_vms(self) -> int:
        return max(1, min(16, self.vms // 1000))


def _group_name(g: int) -> str:
    return "sriov-workers" if g == 0 else f"workers-{chr(ord('a') + g - 1)}"


def _node_group_yaml(g: int) -> str:
    name = _group_name(g)
    lines = [
        f"    {name}:",
        f'      selector: {{node-role.kubernetes.io/worker: "", kvnet.dev/hw: {name}}}',
        "      nics:",
        "        eno1: {role: primary}",
        "        ens3f0: {mtu: 9000}",
        "        ens3f1: {mtu: 9000}",
    ]
    if g == 0:
        lines.append('        ens5f0: {sriov: {totalVfs: 64, vendor: "8086", deviceID: "158b"}}')
    lines += [
        "      bonds:",
        "        bond1: {mode: 802.3ad, ports: [ens3f0, ens3f1], mtu: 9000}",
        "      bridges:",
        '        br-vm: {port: bond1, vlans: ["100-999"], mtu: 9000}',
        "      ovnBridgeMappings:",
        "        physnet-edge: br-ex",
    ]
    return "\n".join(lines) + "\n"


def _node_ip(i: int) -> str:
    return f"192.168.{i // 250}.{i % 250 + 2}"


def _network_subnet(i: int) -> str:
    return f"10.{10 + i // 256}.{i % 256}.0"  # 10.0.2.0/24 is KubeVirt's masquerade guest network


def site_text(vms: int, name: str = "bench") -> str:
    """The site file of a synthetic site with `vms` VMs (deterministic)."""
    shape = Shape(vms)
    out: list[str] = [
        f"# A synthetic kvnet site with {vms} VMs (benchmarks/generate.py).",
        "apiVersion: kvnet.dev/v1alpha1",
        "kind: Site",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  cluster:",
        f"    name: {name}-ocp",
        "    platform: baremetal",
        '    version: "4.18"',
        "    machineNetwork: [192.168.0.0/16]",
        "    baseDomain: example.com",
        "  gitops:",
        "    repoURL: https://git.example.com/infra/bench.git",
        f"    path: clusters/{name}",
        "  macPool:",
        '    start: "02:a0:00:00:00:00"',
        '    end: "02:a0:00:ff:ff:ff"',
        "  nodeGroups:",
    ]
    out.append("".join(_node_group_yaml(g) for g in range(shape.groups)).rstrip("\n"))
    out.append("  nodes:")
    for i in range(shape.nodes):
        group = _group_name(i % shape.groups)
        out.append(f"    - {{name: node-{i:05d}, group: {group}, ip: {_node_ip(i)}, "
                   f'labels: {{node-role.kubernetes.io/worker: "", kvnet.dev/hw: {group}}}}}')
    out += ["  networks:"]
    for i in range(shape.networks):
        subnet = _network_subnet(i)
        out += [
            f"    net-{i:04d}:",
            "      type: linux-bridge",
            "      bridge: br-vm",
            f"      vlan: {FIRST_VLAN + i}",
            f"      namespaces: [ns-{i % shape.namespaces:03d}]",
            f"      subnet: {subnet}/24",
            f"      gateway: {subnet[:-1]}1",
            "      ipam: static",
        ]
    out += [
        "    tenant-l2:",
        "      type: ovn-layer2",
        "      subnet: 10.200.0.0/16",
        "    edge-localnet:",
        "      type: ovn-localnet",
        "      physicalNetwork: physnet-edge",
        f"      vlan: {LOCALNET_VLAN}",
        "    storage:",
        "      type: sriov",
        "      pf: ens5f0",
        '      vfRange: "0-31"',
        f"      vlan: {SRIOV_VLAN}",
        "    migration:",
        "      type: linux-bridge",
        "      bridge: br-vm",
        f"      vlan: {MIGRATION_VLAN}",
        "      purpose: live-migration",
        "      subnet: 10.250.0.0/24",
        "      ipam: whereabouts",
        "  loadBalancer:",
        "    pools:",
        "      public: {addresses: [198.18.0.0/16], advertise: l2}",
        "      internal: {addresses: [198.19.0.0/20], autoAssign: false, advertise: bgp}",
        "  vms:",
    ]
    out += _vm_lines(shape)
    return "\n".join(out) + "\n"


def _vm_lines(shape: Shape) -> list[str]:
    """VM entries: VM j sits in network j mod networks (so each /24 holds at most 200), the network's namespace."""
    lines: list[str] = []
    grouped = shape.vms // 20 // GROUP_SIZE * GROUP_SIZE  # 5% of the VMs, written as groups of ten
    single = shape.vms - grouped
    sriov_from = single - shape.sriov_vms
    for j in range(single):
        net = j % shape.networks
        ns = net % shape.namespaces
        lines += [f"    - name: vm-{j:05d}", f"      namespace: ns-{ns:03d}", "      interfaces:",
                  "        - {name: default, network: pod}",
                  f"        - {{name: net0, network: net-{net:04d}}}"]
        if j % 20 == 7:
            lines.append("        - {name: tenant, network: tenant-l2}")
        if j % 100 == 13:
            lines.append("        - {name: edge, network: edge-localnet}")
        if j >= sriov_from:
            lines.append("        - {name: storage, network: storage}")
        if j % 10 == 3:
            lines += ["      expose:", "        - {name: http, port: 8080}"]
            if j % 50 == 3:
                lines.append("        - {name: https, port: 443, type: LoadBalancer, pool: public}")
    for g in range(grouped // GROUP_SIZE):
        net = g % shape.networks
        lines += [f"    - name: batch-{g:04d}-{{01..{GROUP_SIZE:02d}}}",
                  f"      namespace: ns-{net % shape.namespaces:03d}",
                  f"      labels: {{app: batch-{g:04d}}}", "      interfaces:",
                  "        - {name: default, network: pod}", f"        - {{name: net0, network: net-{net:04d}}}",
                  "      expose:", "        - {name: metrics, port: 9100}"]
    return lines


def generate(vms: int, out: Path, *, manifests: bool = True) -> Path:
    """Write `out/site/site.yaml`, its `kvnet.lock.yaml` (allocated as `kvnet lock` does) and, with
    `manifests`, the compiled manifests in `out/manifests/` (as `kvnet compile -o` writes them).
    Returns the site file's path."""
    from kvnet.allocate import allocate
    from kvnet.cli_lock import lock_allocations, read_site_file
    from kvnet.lockfile import lock_path_for, write_lock

    site_dir = out / "site"
    site_dir.mkdir(parents=True, exist_ok=True)
    # The Argo CD the benchmark imagines has the NNCP health check (Argo CD >= 3.4): no GIT-02 warnings.
    (out / ".kvnet.yaml").write_text(POLICY, encoding="utf-8")
    site_path = site_dir / "site.yaml"
    site_path.write_text(site_text(vms), encoding="utf-8")
    model = read_site_file(site_path)
    write_lock(allocate(model, pod_network=True), lock_path_for(site_path))  # every MAC pinned: no GIT-04 drift
    if manifests:
        from kvnet.emit.bundle import compile_site, write_bundle

        target = out / "manifests"
        if target.exists():
            shutil.rmtree(target)
        write_bundle(compile_site(model, allocations=lock_allocations(model, site_path)), target)
    return site_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("vms", type=int, help="number of VMs")
    parser.add_argument("out", type=Path, help="folder to write site/ and manifests/ into")
    parser.add_argument("--no-manifests", action="store_true", help="write only the site and its lock")
    args = parser.parse_args(argv)
    path = generate(args.vms, args.out, manifests=not args.no_manifests)
    print(path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""VirtualMachines (kubevirt.io/v1), api-reference §2, §4.3, §5.3, §7, §8, §11, §12, §14.

- interfaces[] and networks[] pair by name, in the site's order (the guest sees NICs in that order);
- pod network: `masquerade` (or the passt/l2bridge binding plugins); secondaries: `bridge`; SR-IOV: `sriov`;
- MACs are pinned when the site (or the lock file, through `allocations`) gives one;
- `state: absent` keeps an unplugged bridge NIC in Git until KubeVirt has removed it (and `down` sets link
  down); NICs stay virtio, which hot plug needs;
- template labels: the site's plus `kubevirt.io/domain: <vm>`, which per-VM Services select;
- service mesh: `sidecar.istio.io/inject: "true"` on the *template*;
- DPDK (an interface on a DPDK network, or dedicated CPUs / huge pages asked for): dedicated CPUs on one
  socket with an isolated emulator thread, huge pages, multiqueue and the CRI-O annotations that keep the
  host from balancing load and IRQs onto those CPUs.
"""

from __future__ import annotations

from typing import Any

from kvnet.emit.cloudinit import cloud_init, ssh_secret_name, ssh_secrets, uses_nocloud_ssh
from kvnet.emit.common import (
    VM_LABEL,
    WAVE_VM,
    Allocations,
    Manifest,
    addresses,
    is_pod_network,
    metadata,
    sriov_network_name,
)
from kvnet.model import Interface, Site, Vm

DEFAULT_MEMORY = "2Gi"
DEFAULT_HUGEPAGE = "1Gi"
MESH_ANNOTATION = "sidecar.istio.io/inject"
DPDK_ANNOTATIONS = {
    "cpu-load-balancing.crio.io": "disable",
    "cpu-quota.crio.io": "disable",
    "irq-load-balancing.crio.io": "disable",
}
_PLUGIN_BINDINGS = ("passt", "l2bridge")


def template_labels(vm: Vm) -> dict[str, str]:
    return {**vm.labels, VM_LABEL: vm.name}


def pod_labels(vm: Vm) -> dict[str, str]:
    """The labels a Service can select the VM's virt-launcher pod by (template labels + KubeVirt's own)."""
    return {**template_labels(vm), "vm.kubevirt.io/name": vm.name}


def is_dpdk(site: Site, vm: Vm) -> bool:
    nets = (site.network(i.network, vm.namespace) for i in vm.interfaces)
    res = vm.resources
    return any(n is not None and n.dpdk for n in nets) or bool(res and (res.dedicated_cpus or res.hugepages))


def _network_entry(site: Site, vm: Vm, iface: Interface) -> dict[str, Any]:
    if is_pod_network(site, vm, iface):
        return {"name": iface.name, "pod": {}}
    net = site.network(iface.network, vm.namespace)
    if net is None:
        target = iface.network  # a NAD the site does not define ("name" or "namespace/name"), as written
    elif net.type == "sriov":
        target = sriov_network_name(site, net, vm.namespace)
    else:
        target = net.name
    return {"name": iface.name, "multus": {"networkName": target}}


def _interface_entry(site: Site, vm: Vm, iface: Interface, allocations: Allocations) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": iface.name}
    if iface.binding in _PLUGIN_BINDINGS:
        entry["binding"] = {"name": iface.binding}
    elif iface.binding in ("masquerade", "bridge", "sriov"):
        entry[iface.binding] = {}
    else:
        entry["masquerade" if is_pod_network(site, vm, iface) else "bridge"] = {}
    if iface.binding != "sriov":
        entry["model"] = iface.model or "virtio"
    mac = addresses(vm, iface, allocations).mac
    if mac:
        entry["macAddress"] = mac
    if iface.state in ("absent", "down"):
        entry["state"] = iface.state
    return entry


def _domain(site: Site, vm: Vm, interfaces: list[dict[str, Any]], disks: list[dict[str, Any]]) -> dict[str, Any]:
    res = vm.resources
    cores = res.cores if res and res.cores else 1
    memory: dict[str, Any] = {"guest": res.memory if res and res.memory else DEFAULT_MEMORY}
    devices: dict[str, Any] = {"interfaces": interfaces}
    if disks:
        devices["disks"] = disks
    if not interfaces:
        devices["autoattachPodInterface"] = False
    cpu: dict[str, Any] = {"cores": cores}
    if is_dpdk(site, vm):
        cpu.update(sockets=1, threads=1, dedicatedCpuPlacement=True, isolateEmulatorThread=True)
        memory["hugepages"] = {"pageSize": res.hugepages if res and res.hugepages else DEFAULT_HUGEPAGE}
        devices["networkInterfaceMultiqueue"] = True
    return {"cpu": cpu, "memory": memory, "devices": devices}


def _access_credentials(vm: Vm) -> list[dict[str, Any]]:
    if not uses_nocloud_ssh(vm):
        return []
    return [{
        "sshPublicKey": {
            "source": {"secret": {"secretName": ssh_secret_name(vm)}},
            "propagationMethod": {"noCloud": {}},
        }
    }]


def vm_manifests(site: Site, vm: Vm, allocations: Allocations) -> list[Manifest]:
    """The VirtualMachine and the Secrets it references (SSH keys, cloud-init beyond the inline limit)."""
    interfaces = [_interface_entry(site, vm, i, allocations) for i in vm.interfaces]
    networks = [_network_entry(site, vm, i) for i in vm.interfaces]
    disks: list[dict[str, Any]] = []
    volumes: list[dict[str, Any]] = []
    if vm.image:
        disks.append({"name": "rootdisk", "disk": {"bus": "virtio"}})
        volumes.append({"name": "rootdisk", "containerDisk": {"image": vm.image}})
    init = cloud_init(site, vm, allocations)
    if init is not None:
        disks.append({"name": "cloudinitdisk", "disk": {"bus": "virtio"}})
        volumes.append(init.volume)
    template_spec: dict[str, Any] = {"domain": _domain(site, vm, interfaces, disks), "networks": networks}
    if volumes:
        template_spec["volumes"] = volumes
    credentials = _access_credentials(vm)
    if credentials:
        template_spec["accessCredentials"] = credentials
    notes = dict(vm.annotations)
    if vm.service_mesh:
        notes[MESH_ANNOTATION] = "true"
    if is_dpdk(site, vm):
        notes.update(DPDK_ANNOTATIONS)
    template_meta: dict[str, Any] = {"labels": template_labels(vm)}
    if notes:
        template_meta["annotations"] = notes
    manifest: Manifest = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": metadata(site, vm.name, vm.namespace, WAVE_VM, custom_resource=True, labels=vm.labels),
        "spec": {"runStrategy": vm.run_strategy, "template": {"metadata": template_meta, "spec": template_spec}},
    }
    secrets = ssh_secrets(site, vm) + list(init.secrets if init else ())
    return [*secrets, manifest]

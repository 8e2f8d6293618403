"""cloud-init for VMs: networkData (network-config v2) with the static IPs, matched by MAC; SSH key Secrets.

api-reference §11 and §14:
- interfaces are matched by `macaddress`, so only interfaces with a pinned (or allocated) MAC can get a static
  address; the guest's NIC names are not known in advance;
- once networkData is given, cloud-init configures only what it lists, so the pod-network interface is listed
  with `dhcp4: true` when its MAC is known (otherwise the guest's own default applies to it);
- the pod network keeps the default route; a VM without a pod interface gets its default route from the
  first static interface whose network has a gateway;
- inline networkData is capped at 2048 bytes by virt-api; beyond that it goes into a Secret referenced by
  `networkDataSecretRef` (key `networkdata`).
"""

from __future__ import annotations

from typing import Any

from kvnet.emit.common import WAVE_ACCESS, Allocations, Manifest, address_text, addresses, dns_name, metadata
from kvnet.emit.common import is_pod_network as on_pod_network
from kvnet.emit.yamlout import dump_yaml, ordered
from kvnet.frozen import frozen
from kvnet.model import Site, Vm

INLINE_LIMIT = 2048
USER_DATA = "#cloud-config\n"
_MAX_LINUX_IFNAME = 15


def network_config(site: Site, vm: Vm, allocations: Allocations) -> dict[str, Any] | None:
    """The network-config v2 for the VM, or None when it has no static address to configure."""
    ethernets: dict[str, dict[str, Any]] = {}
    has_static = False
    has_pod = any(on_pod_network(site, vm, i) for i in vm.interfaces if i.state != "absent")
    default_route_set = has_pod
    for iface in vm.interfaces:
        if iface.state == "absent":
            continue
        found = addresses(vm, iface, allocations)
        if not found.mac:
            continue
        entry: dict[str, Any] = {"match": {"macaddress": found.mac}}
        if len(iface.name) <= _MAX_LINUX_IFNAME:
            entry["set-name"] = iface.name
        if on_pod_network(site, vm, iface):
            entry["dhcp4"] = True
        elif found.ips:
            has_static = True
            entry["dhcp4"] = False
            entry["addresses"] = [address_text(ip) for ip in found.ips]
            net = site.network(iface.network, vm.namespace)
            gateway = net.gateway if net else None
            if not default_route_set and gateway is not None:
                default = "0.0.0.0/0" if gateway.version == 4 else "::/0"
                entry["routes"] = [{"to": default, "via": str(gateway)}]
                default_route_set = True
        else:
            continue
        ethernets[iface.name] = entry
    if not has_static:
        return None
    return {"version": 2, "ethernets": ethernets}


def render_network_data(config: dict[str, Any]) -> str:
    return dump_yaml(ordered(config), default_flow_style=False, sort_keys=False)  # = ManifestDumper's text


@frozen
class CloudInit:
    """The cloudInitNoCloud volume of a VM and the Secrets it needs."""

    volume: dict[str, Any]
    secrets: tuple[Manifest, ...]


def network_secret_name(vm: Vm) -> str:
    return dns_name(f"{vm.name}-cloud-init")


def ssh_secret_name(vm: Vm) -> str:
    if vm.ssh and vm.ssh.secret_name:
        return vm.ssh.secret_name
    return dns_name(f"{vm.name}-ssh-keys")


def _secret(site: Site, name: str, namespace: str, data: dict[str, str]) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(site, name, namespace, WAVE_ACCESS),
        "type": "Opaque",
        "stringData": data,
    }


def ssh_secrets(site: Site, vm: Vm) -> list[Manifest]:
    """The Secret with the VM's public keys (a group's VMs share one); none when only a Secret name is given."""
    if vm.ssh is None or not vm.ssh.authorized_keys:
        return []
    keys = {f"key{i + 1}": key for i, key in enumerate(vm.ssh.authorized_keys)}
    return [_secret(site, ssh_secret_name(vm), vm.namespace, keys)]


def uses_nocloud_ssh(vm: Vm) -> bool:
    """SSH keys go in through cloud-init (noCloud propagation).

    noCloud works with any cloud-init guest; the dynamic qemuGuestAgent method needs RHEL 9 guests with an
    SELinux boolean set (api-reference §14), so it is not a safe default.
    """
    return vm.ssh is not None and bool(vm.ssh.secret_name or vm.ssh.authorized_keys)


def cloud_init(site: Site, vm: Vm, allocations: Allocations) -> CloudInit | None:
    config = network_config(site, vm, allocations)
    if config is None and not uses_nocloud_ssh(vm):
        return None
    volume: dict[str, Any] = {"userData": USER_DATA}
    secrets: list[Manifest] = []
    if config is not None:
        text = render_network_data(config)
        if len(text.encode()) <= INLINE_LIMIT:
            volume["networkData"] = text
        else:
            name = network_secret_name(vm)
            secrets.append(_secret(site, name, vm.namespace, {"networkdata": text}))
            volume["networkDataSecretRef"] = {"name": name}
    return CloudInit({"name": "cloudinitdisk", "cloudInitNoCloud": volume}, tuple(secrets))

"""VirtualMachine / VirtualMachineInstance → Vm.

interfaces[] (spec.template.spec.domain.devices) and networks[] are paired by name into Interfaces
(`paired=False` for a side without partner); `network` is "pod", or the multus networkName as written
("name" or "namespace/name"). A VM that lists neither gets the `default` pod interface KubeVirt adds
(unless devices.autoattachPodInterface is false), with no spans of its own. When no binding is written,
the interface gets the one KubeVirt applies: masquerade on the pod network (HCO's
defaultNetworkInterface), bridge elsewhere; `spans["binding"]` is then absent. Static addresses come
from cloud-init networkData.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kvnet.manifests import addresses
from kvnet.manifests.cloudinit import static_addresses
from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.embedded import read_yaml_string
from kvnet.manifests.fields import Collected, Obj
from kvnet.manifests.positions import ScalarPlaces
from kvnet.model import Binding, Interface, IPInterface, Resources, SshAccess, Vm
from kvnet.span import Span

_CORE_BINDINGS: dict[str, Binding] = {"masquerade": "masquerade", "bridge": "bridge", "sriov": "sriov",
                                      "slirp": "slirp", "passt": "passt", "macvtap": "other"}
_PLUGIN_BINDINGS: dict[str, Binding] = {"passt": "passt", "l2bridge": "l2bridge"}
_CLOUD_INIT = ("cloudInitNoCloud", "cloudInitConfigDrive")


def read_vm(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    out = Collected()
    out.spans.update(meta.base_spans())
    spec = obj.mapping("spec")
    vmi_spec: Obj | None = None
    if spec is not None:
        strategy = spec.text("runStrategy")
        running = spec.flag("running")
        if strategy is not None:
            out.set("run_strategy", strategy, spec.at("runStrategy"))
        elif running is not None:
            out.set("run_strategy", "Always" if running else "Halted", spec.at("running"))
        template = spec.mapping("template")
        if template is not None:
            template_meta = template.mapping("metadata")
            if template_meta is not None:
                _labels(template_meta, out)
            vmi_spec = template.mapping("spec")
    _read(meta, vmi_spec, out, ctx)


def read_vmi(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    out = Collected()
    out.spans.update(meta.base_spans())
    metadata = obj.mapping("metadata")
    if metadata is not None:  # a VMI's own labels are what Services select
        out.values.update(labels=meta.labels, annotations=meta.annotations)
        out.spans.update(metadata.spans_of(labels="labels", annotations="annotations"))
    _read(meta, obj.mapping("spec"), out, ctx)


def _labels(template_meta: Obj, out: Collected) -> None:
    out.set("labels", template_meta.str_map("labels"), template_meta.at("labels"))
    out.set("annotations", template_meta.str_map("annotations"), template_meta.at("annotations"))


def _read(meta: Meta, vmi_spec: Obj | None, out: Collected, ctx: ReadContext) -> None:
    annotations: dict[str, str] = out.values.get("annotations", {})
    if annotations.get("sidecar.istio.io/inject") == "true":
        out.set("service_mesh", True, out.spans.get("annotations", meta.span))
    if vmi_spec is not None:
        volumes = vmi_spec.maps("volumes")
        domain = vmi_spec.mapping("domain")
        devices = domain.mapping("devices") if domain is not None else None
        pairs = _pairs(vmi_spec, domain, devices)
        written = _cloud_init(volumes, pairs, out, ctx)  # static addresses, by interface index
        out.values["interfaces"] = tuple(
            pair.interface(written.get(i, ())) if isinstance(pair, _Pair) else _with_ips(pair, written.get(i, ()))
            for i, pair in enumerate(pairs)
        )
        for volume in volumes:
            disk = volume.mapping("containerDisk")
            if disk is not None and disk.has("image"):
                out.set("image", disk.text("image"), disk.at("image"))
                break
        _disks_and_volumes(devices, volumes, out)
        if domain is not None:
            if devices is not None and devices.has("interfaces"):
                out.spans["interfaces"] = devices.at("interfaces")
            resources = _resources(domain)
            if resources is not None:
                out.set("resources", resources, domain.span)
        ssh = _ssh(vmi_spec)
        if ssh is not None:
            out.set("ssh", ssh, vmi_spec.at("accessCredentials"))
    ctx.parts.vms.append(Vm(meta.span, name=meta.name, namespace=meta.namespace_or_default, kind=meta.kind,
                            origin="manifest", spans=out.spans, **out.values))


def _disks_and_volumes(devices: Obj | None, volumes: list[Obj], out: Collected) -> None:
    """The names of the disks that need a volume (not CD-ROMs, which may be empty) and of the volumes."""
    disks = devices.maps("disks") if devices is not None else []
    for disk in disks:
        name = disk.text("name")
        if name is not None and not disk.has("cdrom"):
            out.append("disks", name, disk.at("name"))
    names = tuple(name for name in (volume.text("name") for volume in volumes) if name is not None)
    if names:
        out.values["volumes"] = names


class _Pair:
    """An interfaces[] entry and the networks[] entry of the same name (either may be missing), read once:
    cloud-init matches its entries by name and MAC before the Interface is made."""

    __slots__ = ("iface", "mac", "name", "net")

    def __init__(self, name: str, iface: Obj | None, net: Obj | None) -> None:
        self.name, self.iface, self.net = name, iface, net
        raw = iface.text("macAddress") if iface is not None else None
        self.mac = addresses.mac(raw) if raw is not None else None

    def interface(self, ips: Sequence[tuple[IPInterface, Span]]) -> Interface:
        iface, net = self.iface, self.net
        values: dict[str, Any] = {}
        spans: dict[str, Span] = {}
        network = ""
        if net is not None:
            data = net.data
            if data.get("name") is not None:
                spans["network_name"] = data.value_span("name")
            multus = net.mapping("multus")
            if multus is not None:
                network = multus.text("networkName") or ""
                if multus.has("networkName"):
                    spans["network"] = multus.at("networkName")
            elif "pod" in data:
                network = "pod"
                spans["network"] = data.key_span("pod")
        if iface is not None:
            data = iface.data
            for name, key in _INTERFACE_SPANS:
                if data.get(key) is not None:
                    spans[name] = data.value_span(key)
            for name, value in (("model", iface.text("model")), ("mac", self.mac), ("state", iface.text("state"))):
                if value is not None:
                    values[name] = value
            _binding(iface, values, spans)
        if "binding" not in values:
            values["binding"] = "masquerade" if network == "pod" else "bridge"
        if ips:
            values["ips"], ip_spans = _ip_fields(ips)
            spans.update(ip_spans)
        owner = iface if iface is not None else net
        assert owner is not None  # one of the two sides exists
        return Interface(owner.span, name=self.name, network=network, network_name=self.name if net is not None else "",
                         paired=iface is not None and net is not None, spans=spans, **values)


def _with_ips(iface: Interface, ips: Sequence[tuple[IPInterface, Span]]) -> Interface:
    """KubeVirt's default pod interface, with the addresses cloud-init gives it."""
    if not ips:
        return iface
    written, spans = _ip_fields(ips)
    return replace(iface, ips=written, spans=spans)


def _ip_fields(ips: Sequence[tuple[IPInterface, Span]]) -> tuple[tuple[IPInterface, ...], dict[str, Span]]:
    """An interface's `ips` and their spans (`ips`: the first one's, then `ips[n]` each)."""
    spans = {"ips": ips[0][1], **{f"ips[{n}]": span for n, (_, span) in enumerate(ips)}}
    return tuple(address for address, _ in ips), spans


_INTERFACE_SPANS = (("name", "name"), ("model", "model"), ("mac", "macAddress"), ("state", "state"))


def _pairs(vmi_spec: Obj, domain: Obj | None, devices: Obj | None) -> list[_Pair | Interface]:
    """The VM's interfaces as (interface, network) pairs; KubeVirt's own default pod interface when it adds one."""
    written = devices.maps("interfaces") if devices is not None else []
    networks: dict[str, Obj] = {}
    for net in vmi_spec.maps("networks"):
        name = net.text("name")
        if name is not None:
            networks.setdefault(name, net)
    autoattach = devices.raw("autoattachPodInterface") if devices is not None else None
    if not written and not networks and not vmi_spec.has("networks") and autoattach is not False:
        # KubeVirt adds the pod interface itself (HCO's default binding: masquerade); nothing to point at
        place = devices or domain or vmi_spec
        return [Interface(place.span, name="default", network="pod", binding="masquerade", network_name="default")]
    found: list[_Pair | Interface] = []
    used: set[str] = set()
    for iface in written:
        name = iface.text("name") or ""
        partner = networks.get(name)
        if partner is not None:
            used.add(name)
        found.append(_Pair(name, iface, partner))
    for name, net in networks.items():
        if name not in used:
            found.append(_Pair(name, None, net))
    return found


def _binding(iface: Obj, values: dict[str, Any], spans: dict[str, Span]) -> None:
    data = iface.data
    for key, binding in _CORE_BINDINGS.items():
        if key in data:
            values["binding"] = binding
            spans["binding"] = data.key_span(key)
            return
    plugin = iface.mapping("binding")
    if plugin is not None:
        name = plugin.text("name") or ""
        values["binding"] = _PLUGIN_BINDINGS.get(name, "other")
        spans["binding"] = iface.at("binding")
        values["binding_plugin"] = name
        spans["binding_plugin"] = plugin.at("name")


def _cloud_init(volumes: list[Obj], pairs: list[_Pair | Interface], out: Collected, ctx: ReadContext
                ) -> dict[int, list[tuple[IPInterface, Span]]]:
    """Mark cloud-init network data; the static addresses it gives each interface (by index), placed in the file."""
    for volume in volumes:
        for key in _CLOUD_INIT:
            source = volume.mapping(key)
            if source is None:
                continue
            if any(source.has(k) for k in ("networkData", "networkDataBase64", "networkDataSecretRef")):
                out.set("cloud_init_network", True, volume.at(key))
            parsed = _network_data(source, ctx)
            if parsed is None:
                return {}
            document, places = parsed
            before = len(ctx.problems.items)
            found = static_addresses(document, [(p.name, p.mac) for p in pairs])
            ctx.problems.relocate_since(before, places.from_value_span)
            place = places.from_value_span
            return {index: [(address, place(span)) for address, span in written] for index, written in found.items()}
    return {}  # KubeVirt allows one cloud-init volume: the first one found is read


def _network_data(source: Obj, ctx: ReadContext) -> tuple[Obj, ScalarPlaces] | None:
    """The networkData document, when it may configure addresses (a text without "address" cannot)."""
    text = source.text("networkData")
    if text is not None:
        return read_yaml_string(source, "networkData", text, ctx.texts) if "address" in text else None
    encoded = source.text("networkDataBase64")
    if encoded is None:
        return None
    try:
        decoded = base64.b64decode(encoded, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        source.problems.add(f"{source.sub('networkDataBase64')} is not base64 of UTF-8 text",
                            source.at("networkDataBase64"))
        return None
    return read_yaml_string(source, "networkDataBase64", decoded, None)


def _resources(domain: Obj) -> Resources | None:
    out = Collected()
    cpu = domain.mapping("cpu")
    if cpu is not None:
        out.set("cores", cpu.integer("cores"), cpu.at("cores"))
        dedicated = cpu.flag("dedicatedCpuPlacement")
        out.set("dedicated_cpus", dedicated, cpu.at("dedicatedCpuPlacement"))
    memory = domain.mapping("memory")
    if memory is not None:
        out.set("memory", _quantity(memory, "guest"), memory.at("guest"))
        hugepages = memory.mapping("hugepages")
        if hugepages is not None:
            out.set("hugepages", _quantity(hugepages, "pageSize"), hugepages.at("pageSize"))
    requests = domain.mapping("resources")
    requested = requests.mapping("requests") if requests is not None else None
    if requested is not None and "memory" not in out.values:
        out.set("memory", _quantity(requested, "memory"), requested.at("memory"))
    if not out.values:
        return None
    return Resources(domain.span, spans=out.spans, **out.values)


def _quantity(obj: Obj, key: str) -> str | None:
    """A Kubernetes quantity (`8Gi`, or a bare number of bytes)."""
    value = obj.text_or_int(key)
    return str(value) if value is not None else None


def _ssh(vmi_spec: Obj) -> SshAccess | None:
    for credential in vmi_spec.maps("accessCredentials"):
        key = credential.mapping("sshPublicKey")
        if key is None:
            continue
        out = Collected()
        source = key.mapping("source")
        secret = source.mapping("secret") if source is not None else None
        if secret is not None:
            out.set("secret_name", secret.text("secretName"), secret.at("secretName"))
        method = key.mapping("propagationMethod")
        agent = method.mapping("qemuGuestAgent") if method is not None else None
        if agent is not None:
            users = agent.strs("users")
            if users:
                out.set("user", users[0][0], users[0][1])
        return SshAccess(credential.span, spans=out.spans, **out.values)
    return None

"""SriovNetworkNodePolicy → SriovPolicy; SriovNetwork → the Network of the NAD the operator generates."""

from __future__ import annotations

import re

from kvnet.load import YMap
from kvnet.manifests.cni import on_off
from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.embedded import read_json_field
from kvnet.manifests.fields import Collected, Obj
from kvnet.manifests.ipam import read_ipam
from kvnet.manifests.nad import namespace_spans
from kvnet.model import Network, SriovPolicy

_PF_RANGE = re.compile(r"^(?P<pf>[^#]+)#(?P<first>[0-9]+)-(?P<last>[0-9]+)$")


def read_sriov_network(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """The NAD appears in spec.networkNamespace (default: the SriovNetwork's own namespace), named like it."""
    out = Collected()
    namespace_spans(meta, out)
    out.values.update(type="sriov", cni_type="sriov")
    spec = obj.mapping("spec")
    namespace = meta.namespace_or_default
    if spec is not None:
        target = spec.text("networkNamespace")
        if target:
            namespace = target
            out.spans["namespaces"] = spec.at("networkNamespace")
        out.set("resource_name", spec.text("resourceName"), spec.at("resourceName"))
        out.set("vlan", spec.integer("vlan"), spec.at("vlan"))
        out.set("spoof_check", on_off(spec, "spoofChk"), spec.at("spoofChk"))
        out.set("trust", on_off(spec, "trust"), spec.at("trust"))
        ipam = read_json_field(spec, "ipam", ctx.texts)
        if ipam is not None:
            out.spans["config"] = ipam.span
            if ipam.error:
                out.set("config_error", ipam.error, ipam.error_span or ipam.span)
            if isinstance(ipam.data, YMap):
                read_ipam(Obj(ipam.data, spec.sub("ipam"), ctx.problems), out)
    ctx.parts.networks.append(Network(meta.span, name=meta.name, namespaces=(namespace,), origin="manifest",
                                      source_kind=meta.kind, spans=out.spans, **out.values))


def read_sriov_policy(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    out = Collected()
    out.spans.update(meta.base_spans())
    spec = obj.mapping("spec")
    if spec is not None:
        out.set("resource_name", spec.text("resourceName"), spec.at("resourceName"))
        out.set("num_vfs", spec.integer("numVfs"), spec.at("numVfs"))
        out.set("device_type", spec.text("deviceType"), spec.at("deviceType"))
        out.set("mtu", spec.integer("mtu"), spec.at("mtu"))
        out.set("is_rdma", spec.flag("isRdma"), spec.at("isRdma"))
        if spec.has("nodeSelector"):
            out.set("node_selector", spec.str_map("nodeSelector"), spec.at("nodeSelector"))
        nic = spec.mapping("nicSelector")
        if nic is not None:
            out.set("vendor", nic.text("vendor"), nic.at("vendor"))
            out.set("device_id", nic.text("deviceID"), nic.at("deviceID"))
            _pf_names(nic, out)
    ctx.parts.sriov_policies.append(SriovPolicy(meta.span, name=meta.name, origin="manifest", spans=out.spans,
                                                **out.values))


def _pf_names(nic: Obj, out: Collected) -> None:
    """`ens5f0#0-3` selects VFs 0 to 3 of ens5f0: the PF goes to pf_names, the first range to vf_range."""
    for text, span in nic.strs("pfNames"):
        match = _PF_RANGE.match(text)
        if match is None:
            if "#" in text:
                nic.problems.add(f"{nic.sub('pfNames')}: {text!r} is not <pf>#<first>-<last>", span,
                                 "write the VF range as ens5f0#0-7")
            out.append("pf_names", text.split("#", 1)[0], span)
            continue
        out.append("pf_names", match["pf"], span)
        if "vf_range" not in out.values:
            out.set("vf_range", (int(match["first"]), int(match["last"])), span)

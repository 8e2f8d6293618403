"""NetworkAttachmentDefinition → Network: the CNI JSON of spec.config read with positions."""

from __future__ import annotations

from kvnet.load import YMap
from kvnet.manifests.cni import read_cni_config
from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.embedded import read_json_field
from kvnet.manifests.fields import Collected, Obj
from kvnet.model import Network

RESOURCE_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName"


def namespace_spans(meta: Meta, out: Collected) -> None:
    """Name and namespace places: `namespaces` points at metadata.namespace when it was written."""
    out.spans.update(meta.base_spans())
    if "namespace" in meta.spans:
        out.spans["namespaces"] = meta.spans["namespace"]


def read_nad(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """One NAD → one Network named like the NAD, in the NAD's namespace.

    `resource_name` is the resourceName annotation as written, except for SR-IOV NADs where it is the bare
    device-plugin resource (the part after "openshift.io/"), as a SriovNetworkNodePolicy names it; the
    annotation as written stays on the object's ObjectRef. A config that cannot be read leaves
    `config_error` (and `spans["config_error"]`) for NAD-03 and keeps what is known.
    """
    out = Collected()
    namespace_spans(meta, out)
    spec = obj.mapping("spec")
    if spec is not None:
        embedded = read_json_field(spec, "config", ctx.texts)
        if embedded is not None:
            out.spans["config"] = embedded.span
            if embedded.error:
                out.set("config_error", embedded.error, embedded.error_span or embedded.span)
            if isinstance(embedded.data, YMap):
                read_cni_config(Obj(embedded.data, spec.sub("config"), ctx.problems), out)
    resource = meta.annotations.get(RESOURCE_ANNOTATION)
    if resource is not None:
        bare = resource.rsplit("/", 1)[-1] if out.values.get("type") == "sriov" else resource
        out.set("resource_name", bare, meta.spans[f"annotations.{RESOURCE_ANNOTATION}"])
    ctx.parts.networks.append(Network(meta.span, name=meta.name, namespaces=(meta.namespace_or_default,),
                                      origin="manifest", source_kind=meta.kind, spans=out.spans, **out.values))

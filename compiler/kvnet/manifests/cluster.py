"""Cluster-wide objects: HyperConverged → HyperConverged, Namespace → Namespace."""

from __future__ import annotations

from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.fields import Collected, Obj
from kvnet.model import HyperConverged, Namespace


def read_hyperconverged(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """liveMigrationConfig.network (a NAD name in the HCO namespace), secondary DNS, feature gates."""
    out = Collected()
    out.spans.update(meta.base_spans())
    if meta.namespace is not None:
        out.values["namespace"] = meta.namespace
    spec = obj.mapping("spec")
    if spec is not None:
        migration = spec.mapping("liveMigrationConfig")
        if migration is not None:
            out.set("live_migration_network", migration.text("network"), migration.at("network"))
        gates = spec.mapping("featureGates")
        if gates is not None:
            flags = {k: v for k, v in gates.data.items() if isinstance(v, bool)}
            out.set("feature_gates", flags, spec.at("featureGates"))
            out.set("deploy_kube_secondary_dns", gates.flag("deployKubeSecondaryDNS"),
                    gates.at("deployKubeSecondaryDNS"))
        out.set("kube_secondary_dns_name_server_ip", spec.text("kubeSecondaryDNSNameServerIP"),
                spec.at("kubeSecondaryDNSNameServerIP"))
    ctx.parts.hyperconverged.append(HyperConverged(meta.span, name=meta.name, origin="manifest",
                                                   spans=out.spans, **out.values))


def read_namespace(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    spans = meta.base_spans()
    if "labels" in meta.spans:
        spans["labels"] = meta.spans["labels"]
    ctx.parts.namespaces.append(Namespace(meta.span, name=meta.name, labels=meta.labels, origin="manifest",
                                          spans=spans))

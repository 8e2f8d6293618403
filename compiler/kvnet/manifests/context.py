"""What every kind reader shares: the object's metadata, the problems list, the source texts, the parts
of the Site being collected."""

from __future__ import annotations

from dataclasses import dataclass, field

from kvnet.errors import InputProblem
from kvnet.frozen import frozen
from kvnet.manifests.fields import Obj, Problems
from kvnet.manifests.positions import SourceTexts
from kvnet.model import (
    AddressPool,
    Advertisement,
    HyperConverged,
    Namespace,
    Network,
    NodeGroup,
    ObjectRef,
    Service,
    SriovPolicy,
    Vm,
)
from kvnet.span import Span


@dataclass
class SiteParts:
    """The model objects read so far, in document order."""

    node_groups: list[NodeGroup] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    sriov_policies: list[SriovPolicy] = field(default_factory=list)
    pools: list[AddressPool] = field(default_factory=list)
    advertisements: list[Advertisement] = field(default_factory=list)
    hyperconverged: list[HyperConverged] = field(default_factory=list)
    vms: list[Vm] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    namespaces: list[Namespace] = field(default_factory=list)
    objects: list[ObjectRef] = field(default_factory=list)


@dataclass
class ReadContext:
    """Shared by all readers of one read_manifests call."""

    texts: SourceTexts
    problems: Problems = field(default_factory=Problems)
    parts: SiteParts = field(default_factory=SiteParts)

    @property
    def problem_list(self) -> list[InputProblem]:
        return self.problems.items


@frozen
class Meta:
    """A Kubernetes object's identity and metadata, with the places they were written."""

    kind: str
    api_version: str
    name: str
    namespace: str | None  # None when not written
    labels: dict[str, str]
    annotations: dict[str, str]
    span: Span  # the whole object
    spans: dict[str, Span]  # name, namespace, labels, annotations, kind, api_version

    @property
    def namespace_or_default(self) -> str:
        """Where `kubectl apply` puts the object when the manifest names no namespace."""
        return self.namespace or "default"

    def base_spans(self) -> dict[str, Span]:
        """Spans a model object inherits: its name and namespace."""
        return {k: v for k, v in self.spans.items() if k in ("name", "namespace")}


def read_meta(obj: Obj) -> Meta:
    """The metadata of a Kubernetes object (apiVersion and kind are known to be strings)."""
    spans: dict[str, Span] = {"kind": obj.at("kind"), "api_version": obj.at("apiVersion")}
    metadata = obj.mapping("metadata")
    name, namespace = "", None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    if metadata is not None:
        name = metadata.text("name") or ""
        namespace = metadata.text("namespace") or None
        labels = metadata.str_map("labels")
        annotations = metadata.str_map("annotations")
        for key, span_key in (("name", "name"), ("namespace", "namespace"), ("labels", "labels"),
                              ("annotations", "annotations")):
            if metadata.has(key):
                spans[span_key] = metadata.at(key)
        annotation_map = metadata.mapping("annotations") if annotations else None
        if annotation_map is not None:
            for key in annotations:
                spans[f"annotations.{key}"] = annotation_map.at(key)
    return Meta(str(obj.raw("kind")), str(obj.raw("apiVersion")), name, namespace, labels, annotations,
                obj.span, spans)


def object_ref(meta: Meta) -> ObjectRef:
    return ObjectRef(meta.span, api_version=meta.api_version, kind=meta.kind, name=meta.name,
                     namespace=meta.namespace or "", annotations=meta.annotations, labels=meta.labels,
                     spans=meta.spans)

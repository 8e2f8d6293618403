"""Argo CD Application → its ObjectRef, with the ignoreDifferences entries (GIT-04 reads which drift is
ignored) and the sources (GIT-05, GIT-06 read which tool blocks each sets, and which fields win)."""

from __future__ import annotations

from dataclasses import replace

from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.fields import Obj
from kvnet.model import AppSource, IgnoredDifference
from kvnet.span import Span

# Argo CD's source types, in the order ApplicationSource.ExplicitType lists them
SOURCE_TOOLS = ("kustomize", "helm", "directory", "plugin")


def read_application(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """Keep `spec.ignoreDifferences` (group, kind, name, namespace, jsonPointers, jqPathExpressions) and the
    sources (`spec.source`, `spec.sources`, `spec.sourceHydrator`).

    The reader dispatch has just appended the Application's ObjectRef; it is replaced by one that carries
    them. managedFieldsManagers entries are left out: KubeMacPool's mutation is not a field manager Argo CD
    can name.
    """
    spec = obj.mapping("spec")
    if spec is None:
        return
    entries = tuple(
        IgnoredDifference(
            entry.span,
            group=entry.text("group") or "",
            kind=entry.text("kind") or "",
            name=entry.text("name") or "",
            namespace=entry.text("namespace") or "",
            json_pointers=tuple(text for text, _span in entry.strs("jsonPointers")),
            jq_paths=tuple(text for text, _span in entry.strs("jqPathExpressions")),
        )
        for entry in spec.maps("ignoreDifferences")
    )
    sources: list[AppSource] = []
    source = spec.mapping("source")
    if source is not None:
        sources.append(_source(source, "spec.source", "spec.source", spec.key_at("source")))
    for index, item in enumerate(spec.maps("sources")):
        sources.append(_source(item, "spec.sources", f"spec.sources[{index}]", spec.key_at("sources")))
    hydrator = spec.mapping("sourceHydrator")
    if hydrator is not None:  # its dry source is what Argo CD renders (it may name a tool too)
        dry = hydrator.mapping("drySource")
        key = spec.key_at("sourceHydrator")
        path = "spec.sourceHydrator.drySource"
        sources.append(_source(dry, "spec.sourceHydrator", path, key) if dry is not None else
                       AppSource(hydrator.span, field="spec.sourceHydrator", path=path, spans={"key": key}))
    objects = ctx.parts.objects
    if (entries or sources) and objects and objects[-1].span == meta.span:
        objects[-1] = replace(objects[-1], ignore_differences=entries, app_sources=tuple(sources))


def _source(source: Obj, field: str, path: str, key: Span) -> AppSource:
    tools = tuple(tool for tool in SOURCE_TOOLS if source.raw(tool) is not None)
    spans = {"key": key, **{tool: source.key_at(tool) for tool in tools}}
    return AppSource(source.span, field=field, path=path, tools=tools, spans=spans)

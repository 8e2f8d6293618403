"""Argo CD Application → the ignoreDifferences entries on its ObjectRef (GIT-04 reads which drift is ignored)."""

from __future__ import annotations

from dataclasses import replace

from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.fields import Obj
from kvnet.model import IgnoredDifference


def read_application(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    """Keep `spec.ignoreDifferences` (group, kind, name, namespace, jsonPointers, jqPathExpressions).

    The reader dispatch has just appended the Application's ObjectRef; it is replaced by one that carries
    the entries. managedFieldsManagers entries are left out: KubeMacPool's mutation is not a field manager
    Argo CD can name.
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
    objects = ctx.parts.objects
    if entries and objects and objects[-1].span == meta.span:
        objects[-1] = replace(objects[-1], ignore_differences=entries)

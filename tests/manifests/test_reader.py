"""read_manifests: dispatch, skipped documents, ObjectRefs, source texts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kvnet.load import Document, load_file, load_text
from kvnet.manifests import is_kubernetes_object, read_manifests
from kvnet.span import Span

NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: n, namespace: app}
spec:
  config: |
    {"type": "bridge",
     "vlan": 350}
"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"apiVersion": "v1", "kind": "Service"}, True),
        ({"apiVersion": "v1"}, False),
        ({"apiVersion": "", "kind": "Service"}, False),
        ({"apiVersion": 1, "kind": "Service"}, False),
        (["apiVersion", "kind"], False),
        ("kind: Service", False),
        (None, False),
    ],
)
def test_is_kubernetes_object(data: Any, expected: bool) -> None:
    assert is_kubernetes_object(data) is expected


def test_skipped_documents_say_why_and_unmodelled_kinds_keep_their_metadata(read_yaml: Callable[..., Any]) -> None:
    text = """\
site: not-kubernetes
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: peer
  namespace: metallb-system
  annotations: {argocd.argoproj.io/sync-wave: "-5"}
  labels: {team: net}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: knative}
---
apiVersion: kubevirt.io/v1
kind: Kubevirt
metadata: {name: kubevirt, namespace: kubevirt}
"""
    reading = read_yaml(text)
    reasons = [(span.line, why) for span, why in reading.read.skipped]
    assert reasons[0] == (1, "not a Kubernetes object (no apiVersion and kind)")
    assert "BGPPeer (metallb.io/v1beta2) is not a kind kvnet models" in reasons[1][1]
    assert "Service (serving.knative.dev/v1)" in reasons[2][1]  # not the core Service
    assert "Kubevirt (kubevirt.io/v1)" in reasons[3][1]  # wrong casing is not KubeVirt
    assert reading.read.site.services == ()
    peer = reading.read.site.objects[0]
    assert (peer.kind, peer.api_version, peer.name, peer.namespace) == ("BGPPeer", "metallb.io/v1beta2", "peer",
                                                                        "metallb-system")
    assert peer.annotations == {"argocd.argoproj.io/sync-wave": "-5"} and peer.labels == {"team": "net"}
    assert reading.text_at(peer.at("annotations.argocd.argoproj.io/sync-wave")) == '"-5"'
    assert [o.kind for o in reading.read.site.objects] == ["BGPPeer", "Service", "Kubevirt"]


def test_an_empty_document_is_skipped() -> None:
    span = Span("e.yaml", 3, 1, 3, 2)
    read = read_manifests([Document("e.yaml", 1, None, span)])
    assert read.skipped == [(span, "an empty document")]
    assert read.site.objects == () and read.problems == []


def test_lists_are_expanded(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: a}}
- {apiVersion: v1, kind: Namespace, metadata: {name: b}}
- just text
"""
    reading = read_yaml(text)
    assert [n.name for n in reading.read.site.namespaces] == ["a", "b"]
    assert reading.read.skipped[0][0].line == 6


def test_every_model_object_is_marked_manifest_and_the_site_lists_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(NAD)
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n")
    docs = [d for name in ("a.yaml", "b.yaml") for d in load_file(tmp_path / name).documents]
    site = read_manifests(docs).site
    assert site.origin == "manifest" and site.files == (str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))
    assert site.networks[0].origin == "manifest" and site.namespaces[0].origin == "manifest"
    assert len(site.objects) == 2


def test_without_texts_the_file_is_read_back_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "nad.yaml"
    path.write_text(NAD)
    (net,) = read_manifests(load_file(path).documents).site.networks
    assert (net.at("vlan").line, net.at("vlan").column) == (7, 14)


def test_without_any_text_places_fall_back_to_the_string(tmp_path: Path) -> None:
    source = load_text(NAD, str(tmp_path / "never-written.yaml"))
    (net,) = read_manifests(source.documents).site.networks
    assert net.vlan == 350
    assert net.at("vlan") == net.at("config")  # coarse, never wrong


def test_a_different_text_under_the_same_name_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "nad.yaml"
    path.write_text("# this file changed since it was loaded\n" * 3 + "x: 1\n")
    source = load_text(NAD, str(path))
    (net,) = read_manifests(source.documents).site.networks
    assert net.at("vlan") == net.at("config")


def test_reading_is_deterministic(read_yaml: Callable[..., Any]) -> None:
    first, second = read_yaml(NAD).read, read_yaml(NAD).read
    assert first.site == second.site
    assert first.site.networks[0].spans == second.site.networks[0].spans


def test_non_string_annotations_and_labels_are_problems(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: v1
kind: Namespace
metadata:
  name: app
  labels: {team: 7, ok: "yes"}
  annotations: {argocd.argoproj.io/sync-wave: 1}
"""
    reading = read_yaml(text)
    (ref,) = reading.read.site.objects
    assert ref.labels == {"ok": "yes"} and ref.annotations == {}
    assert sorted(p.message.split(" must")[0] for p in reading.read.problems) == [
        "metadata.annotations.argocd.argoproj.io/sync-wave", "metadata.labels.team"]

"""Wrong types and hostile values anywhere give InputProblems (or are ignored), never an exception."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvnet.load import Document, YList, YMap, load_file
from kvnet.manifests import READERS, read_manifests
from kvnet.span import Span

SPAN = Span("fuzz.yaml", 1, 1, 1, 2)
WRONG_VALUES: list[Any] = ["text", "{{ capture.x }}", 7, -1, 2.5, True, None, ["a", 1], {"k": "v"}, {}, []]


def positioned(value: Any, span: Span = SPAN) -> Any:
    """A plain value as the loader would give it (YMap / YList with spans)."""
    if isinstance(value, dict):
        result = YMap(span)
        for key, item in value.items():
            result[str(key)] = positioned(item, span)
            result.set_spans(str(key), span, span)
        return result
    if isinstance(value, list):
        seq = YList(span)
        for item in value:
            seq.append_with_span(positioned(item, span), span)
        return seq
    return value


def copy_tree(value: Any) -> Any:
    """A deep copy that keeps every span."""
    if isinstance(value, YMap):
        result = YMap(value.span)
        for key, item in value.items():
            result[key] = copy_tree(item)
        result.key_places.update(value.key_places)
        result.value_places.update(value.value_places)
        return result
    if isinstance(value, YList):
        seq = YList(value.span)
        seq.extend(copy_tree(item) for item in value)
        seq.item_places.extend(value.item_places)
        return seq
    return value


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path below the root (mapping keys and list indexes)."""
    if isinstance(value, YMap):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, YList):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from paths(item, (*prefix, index))


def replaced(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    tree = copy_tree(root)
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = positioned(new)
    return tree


def assert_reads_cleanly(data: Any, texts: dict[str, str] | None = None) -> None:
    read = read_manifests([Document(SPAN.file, 0, data, SPAN)], texts)
    for problem in read.problems:
        assert problem.span is not None and problem.message


def _modelled_documents(folder: Path) -> list[tuple[str, Any, str]]:
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        source = load_file(path)
        for doc in source.documents:
            if isinstance(doc.data, YMap) and any(doc.data.get("kind") == kind for _, kind in READERS):
                found.append((path.name, doc.data, source.text))
    return found


def test_every_field_of_every_upstream_object_replaced_by_every_wrong_type(upstream_examples: Path) -> None:
    """About 19 000 mutated objects: each field of each modelled example object, set to each wrong value."""
    mutations = 0
    for name, data, text in _modelled_documents(upstream_examples):
        for path in paths(data):
            if path[0] in ("apiVersion", "kind"):
                continue
            for wrong in WRONG_VALUES:
                try:
                    assert_reads_cleanly(replaced(data, path, wrong), {SPAN.file: text})
                except Exception as exc:  # pragma: no cover - the failure message names the mutation
                    raise AssertionError(f"{name}: {'.'.join(map(str, path))} = {wrong!r}: {exc!r}") from exc
                mutations += 1
    assert mutations > 10_000


def test_wrong_types_in_known_places_are_problems_at_their_place(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: v, namespace: [a]}
spec:
  template:
    metadata: {labels: web}
    spec:
      domain: {devices: {interfaces: {name: default}}}
      networks: [{name: default, multus: {networkName: 5}}, "pod"]
      volumes: [{name: ci, cloudInitNoCloud: {networkData: {version: 2}}}]
"""
    reading = read_yaml(text)
    messages = sorted(p.message for p in reading.read.problems)
    assert any(m.startswith("metadata.namespace must be a string, not a list") for m in messages)
    assert any(m.startswith("spec.template.metadata.labels must be a mapping") for m in messages)
    assert any(m.startswith("spec.template.spec.domain.devices.interfaces must be a list") for m in messages)
    assert any(m.startswith("spec.template.spec.networks[0].multus.networkName must be a string") for m in messages)
    assert any(m.startswith("spec.template.spec.networks[1] must be a mapping") for m in messages)
    assert any("networkData must be a string" in m for m in messages)
    (vm,) = reading.read.site.vms
    assert vm.namespace == "default" and vm.labels == {}
    bad_namespace = next(p for p in reading.read.problems if p.message.startswith("metadata.namespace"))
    assert bad_namespace.span.line == 3 and reading.text_at(bad_namespace.span) == "[a]"


# Hypothesis: random documents of each modelled kind, built from the field names the readers look for
FIELD_NAMES = [
    "metadata", "name", "namespace", "labels", "annotations", "spec", "config", "template", "domain", "devices",
    "interfaces", "networks", "multus", "networkName", "pod", "bridge", "masquerade", "sriov", "binding",
    "macAddress", "state", "volumes", "cloudInitNoCloud", "networkData", "networkDataBase64", "accessCredentials",
    "sshPublicKey", "source", "secret", "propagationMethod", "qemuGuestAgent", "users", "cpu", "memory",
    "desiredState", "type", "link-aggregation", "port", "vlan", "trunk-tags", "id-range", "min", "max", "ipv4",
    "address", "ovn", "bridge-mappings", "localnet", "nodeSelector", "nicSelector", "pfNames", "numVfs", "ipam",
    "ranges", "subnet", "range", "exclude", "addresses", "selector", "ports", "loadBalancerIP", "ipFamilies",
    "ipAddressPools", "ipAddressPoolSelectors", "liveMigrationConfig", "network", "featureGates", "layer2",
    "localnet", "topology", "subnets", "namespaceSelector", "matchExpressions", "values", "items", "id",
]
TRICKY_TEXT = ["10.0.0.0/24", "a-b", "eth0#1-x", "{", "{{ x }}", '{"type": "bridge", "vlan": "x"}', "on",
               "02:00:00:00:00:01"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(TRICKY_TEXT))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELD_NAMES), inner, max_size=5)), max_leaves=30)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(READERS)), body=st.dictionaries(st.sampled_from(FIELD_NAMES), trees, max_size=6))
def test_random_objects_of_every_kind_never_raise(kind: tuple[str, str], body: dict[str, Any]) -> None:
    group, name = kind
    body.update(apiVersion=f"{group}/v1" if group else "v1", kind=name)
    assert_reads_cleanly(positioned(body))


@pytest.mark.parametrize("config", ["{" * 5000, "[" * 70 + "]" * 70, '{"a": ' * 3000, "\x00", "\ud800"])
def test_hostile_configs_are_errors_not_crashes(read_yaml: Callable[..., Any], config: str) -> None:
    data = positioned({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                       "metadata": {"name": "n"}, "spec": {"config": config}})
    read = read_manifests([Document(SPAN.file, 0, data, SPAN)])
    (net,) = read.site.networks
    assert net.config_error


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]",: \n\t0123456789.eE+-truefalsnl\\u', max_size=40))
def test_positioned_json_accepts_exactly_what_strict_json_accepts(text: str) -> None:
    from kvnet.manifests.jsonpos import JsonSyntaxError, parse_json

    def span_of(start: int, end: int) -> Span:
        return SPAN

    try:
        expected = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        with pytest.raises(JsonSyntaxError):
            parse_json(text, span_of)
        return
    assert parse_json(text, span_of) == expected

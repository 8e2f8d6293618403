"""NetworkAttachmentDefinition → Network, with positions inside the CNI JSON whatever the scalar style."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

HEAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: br1-tagged
  namespace: app
spec:
"""

LITERAL = HEAD + """\
  config: |
    {
      "cniVersion": "0.3.1",
      "name": "br1-tagged",
      "type": "bridge",
      "bridge": "br1",
      "vlan": 350,
      "preserveDefaultVlan": false,
      "macspoofchk": true,
      "mtu": 9000
    }
"""


def test_literal_block_maps_every_field_with_its_exact_place(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml(LITERAL)
    assert reading.read.problems == []
    (net,) = reading.read.site.networks
    assert (net.name, net.namespaces, net.type, net.cni_type) == ("br1-tagged", ("app",), "linux-bridge", "bridge")
    assert (net.bridge, net.vlan, net.preserve_default_vlan, net.macspoofchk, net.mtu) == ("br1", 350, False, True,
                                                                                          9000)
    assert net.origin == "manifest" and net.source_kind == "NetworkAttachmentDefinition"
    assert net.config_name == "br1-tagged" and net.config_error == ""
    assert net.raw_config_keys == ("cniVersion", "name", "type", "bridge", "vlan", "preserveDefaultVlan",
                                   "macspoofchk", "mtu")
    vlan = net.at("vlan")
    # line 13 of the file is `      "vlan": 350,`; the value starts in column 15
    assert (vlan.line, vlan.column) == (13, 15) == place_of(LITERAL, "350")
    assert reading.text_at(vlan) == "350"
    assert reading.line_of(vlan).strip() == '"vlan": 350,'
    assert reading.text_at(net.at("config.vlan")) == '"vlan"'
    assert reading.text_at(net.at("bridge")) == '"br1"'
    assert reading.text_at(net.at("namespaces")) == "app"
    assert net.at("config").line == 7  # the `config: |` scalar itself


def place_of(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the only occurrence of `needle` (an oracle independent of the reader)."""
    assert text.count(needle) == 1
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize(
    "config",
    [
        pytest.param('  config: |-\n    {"cniVersion": "0.3.1",\n     "type": "bridge", "vlan": 350}\n',
                     id="literal-strip"),
        pytest.param('  config: |2\n      {"type": "bridge",\n        "vlan": 350}\n', id="explicit-indentation"),
        pytest.param('  config: >\n    {"type": "bridge",\n     "vlan": 350}\n', id="folded"),
        pytest.param('  config: >-\n    {"type": "bridge",\n\n     "vlan": 350}\n', id="folded-blank-line"),
        pytest.param('  config: \'{"type": "bridge", "vlan": 350}\'\n', id="single-quoted-inline"),
        pytest.param('  config: \'{\n    "type": "bridge",\n    "name": "it\'\'s", "vlan": 350\n  }\'\n',
                     id="single-quoted-multiline-with-escape"),
        pytest.param('  config: "{\\"type\\": \\"bridge\\",\n    \\"q\\": \\"\\u0041\\", \\"vlan\\": 350}"\n',
                     id="double-quoted-with-escapes"),
        pytest.param('  config: {"type": "bridge", "vlan": 350}\n', id="yaml-mapping-not-string"),
        pytest.param('  config:    |\n\n      {"type": "bridge",   "vlan":    350   }\n', id="leading-blank-line"),
    ],
)
def test_vlan_place_in_every_scalar_style(read_yaml: Callable[..., Any], config: str) -> None:
    reading = read_yaml(HEAD + config)
    (net,) = reading.read.site.networks
    assert net.vlan == 350
    assert (net.at("vlan").line, net.at("vlan").column) == place_of(HEAD + config, "350")
    assert reading.text_at(net.at("vlan")) == "350"


def test_crlf_and_wide_characters_keep_columns(read_yaml: Callable[..., Any]) -> None:
    text = LITERAL.replace('"name": "br1-tagged"', '"name": "brücke-ü"').replace("\n", "\r\n")
    reading = read_yaml(text)
    (net,) = reading.read.site.networks
    assert net.config_name == "brücke-ü"
    assert (net.at("vlan").line, net.at("vlan").column) == (13, 15)


def test_invalid_json_keeps_the_network_and_places_the_error(read_yaml: Callable[..., Any]) -> None:
    text = HEAD + '  config: |\n    {\n      "cniVersion": "0.3.1",\n      "type": "bridge",\n    }\n'
    reading = read_yaml(text)
    assert reading.read.problems == []  # reported by NAD-03 from the model, not as an input problem
    (net,) = reading.read.site.networks
    assert net.name == "br1-tagged" and net.namespaces == ("app",)
    assert "not valid JSON" in net.config_error and "expected a quoted key" in net.config_error
    error = net.at("config_error")
    assert (error.line, error.column) == (11, 5)  # the `}` after the trailing comma
    assert net.at("config").line == 7


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('  config: "[1, 2]"\n', "must hold a JSON object"),
        ("  config: 42\n", "must be a string holding JSON"),
        ('  config: ""\n', "not valid JSON"),
        ('  config: "{\\"a\\": 1} {}"\n', "after the end of the JSON value"),
    ],
)
def test_unusable_configs_are_recorded_on_the_network(read_yaml: Callable[..., Any], config: str,
                                                      message: str) -> None:
    (net,) = read_yaml(HEAD + config).read.site.networks
    assert message in net.config_error


def test_mapping_instead_of_string_is_read_and_flagged(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml(HEAD + '  config: {"cniVersion": "0.3.1", "type": "bridge", "bridge": "br1"}\n')
    (net,) = reading.read.site.networks
    assert net.bridge == "br1" and net.type == "linux-bridge"
    assert "not a YAML mapping" in net.config_error


def test_nad_without_spec_is_a_network_without_config(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\n"
                        "metadata: {name: istio-cni}\n")
    (net,) = reading.read.site.networks
    assert net.name == "istio-cni" and net.namespaces == ("default",)
    assert "config" not in net.spans and net.config_error == "" and net.type == "other"


def test_cnv_bridge_vlan_trunk_and_resource_annotation(read_yaml: Callable[..., Any]) -> None:
    text = HEAD.replace("  namespace: app\n", "  namespace: app\n  annotations:\n"
                        "    k8s.v1.cni.cncf.io/resourceName: bridge.network.kubevirt.io/br1\n") + (
        '  config: \'{"cniVersion": "0.3.1", "name": "t", "type": "cnv-bridge", "bridge": "br1",\n'
        '    "vlanTrunk": [{"id": 42}, {"minID": 100, "maxID": 199}]}\'\n'
    )
    reading = read_yaml(text)
    (net,) = reading.read.site.networks
    assert net.type == "linux-bridge" and net.cni_type == "cnv-bridge"
    assert [(r.low, r.high) for r in net.vlan_trunk] == [(42, 42), (100, 199)]
    assert reading.text_at(net.vlan_trunk[1].span).startswith('{"minID": 100')
    assert net.resource_name == "bridge.network.kubevirt.io/br1"
    assert reading.text_at(net.at("resource_name")) == "bridge.network.kubevirt.io/br1"


def test_ovn_layer2_and_localnet(read_yaml: Callable[..., Any]) -> None:
    text = HEAD + """\
  config: |
    {"cniVersion": "0.3.1", "name": "tenant", "type": "ovn-k8s-cni-overlay", "topology": "layer2",
     "netAttachDefName": "app/wrong", "subnets": "10.100.0.0/24,fd00:100::/64",
     "excludeSubnets": "10.100.0.1/32,10.100.0.9", "mtu": 1400, "role": "Secondary"}
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: ln30, namespace: app}
spec:
  config: |
    {"cniVersion": "0.3.1", "name": "physnet1", "type": "ovn-k8s-cni-overlay", "topology": "localnet",
     "netAttachDefName": "app/ln30", "vlanID": 30}
"""
    reading = read_yaml(text)
    layer2, localnet = reading.read.site.networks
    assert (layer2.type, layer2.topology, layer2.ovn_network_name, layer2.net_attach_def_name) == (
        "ovn-layer2", "layer2", "tenant", "app/wrong")
    assert layer2.subnets == (ipaddress.ip_network("10.100.0.0/24"), ipaddress.ip_network("fd00:100::/64"))
    assert layer2.ipam == "ovn" and layer2.role == "secondary" and layer2.mtu == 1400
    assert layer2.exclude_raw == ("10.100.0.1/32", "10.100.0.9")
    assert layer2.exclude_subnets == (ipaddress.ip_network("10.100.0.1/32"),)
    assert reading.text_at(layer2.at("net_attach_def_name")) == '"app/wrong"'
    assert (localnet.type, localnet.vlan, localnet.physical_network) == ("ovn-localnet", 30, "physnet1")
    # no physicalNetworkName: OVN-K uses the network name, and the place is that name
    assert reading.text_at(localnet.at("physical_network")) == '"physnet1"'


def test_conflist_reads_the_first_plugin_and_reports_untyped_plugins(read_yaml: Callable[..., Any]) -> None:
    text = HEAD + """\
  config: '{"cniVersion": "0.3.1", "name": "ptp", "plugins": [
      {"type": "bridge", "bridge": "br2", "vlan": 7, "ipam": {"type": "host-local", "subnet": "10.1.1.0/24"}},
      {"capabilities": {}}]}'
"""
    (net,) = read_yaml(text).read.site.networks
    assert (net.cni_type, net.bridge, net.vlan, net.ipam) == ("bridge", "br2", 7, "host-local")
    assert "plugins" in net.raw_config_keys and "vlan" in net.raw_config_keys
    assert net.config_error == 'spec.config.plugins[1] has no "type"'


def test_ipam_whereabouts_host_local_and_static(read_yaml: Callable[..., Any]) -> None:
    docs = [
        '{"type": "macvlan", "ipam": {"type": "whereabouts", "range": "192.168.2.225/28",'
        ' "exclude": ["192.168.2.230/32", "bad"], "gateway": "192.168.2.225"}}',
        '{"type": "macvlan", "ipam": {"type": "whereabouts", "range": "10.0.0.0/24",'
        ' "range_start": "10.0.0.100", "range_end": "10.0.0.150"}}',
        '{"type": "bridge", "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.2.0.0/24",'
        ' "rangeStart": "10.2.0.10"}]]}}',
        '{"type": "bridge", "ipam": {"type": "static", "addresses": [{"address": "10.3.0.5/24",'
        ' "gateway": "10.3.0.1"}]}}',
        '{"type": "bridge", "ipam": {"type": "dhcp"}}',
    ]
    text = "---\n".join(HEAD.replace("br1-tagged", f"n{i}") + f"  config: '{doc}'\n" for i, doc in enumerate(docs))
    reading = read_yaml(text)
    assert reading.read.problems == []
    wb, wb2, hl, static, dhcp = reading.read.site.networks
    ip = ipaddress.ip_address
    assert wb.ipam == "whereabouts" and wb.subnets == (ipaddress.ip_network("192.168.2.224/28"),)
    assert (wb.dynamic_ranges[0].start, wb.dynamic_ranges[0].end) == (ip("192.168.2.225"), ip("192.168.2.238"))
    assert wb.exclude_raw == ("192.168.2.230/32", "bad") and len(wb.exclude_subnets) == 1
    assert wb.gateway == ip("192.168.2.225")
    assert (wb2.dynamic_ranges[0].start, wb2.dynamic_ranges[0].end) == (ip("10.0.0.100"), ip("10.0.0.150"))
    assert reading.text_at(wb2.dynamic_ranges[0].at("start")) == '"10.0.0.100"'
    assert hl.ipam == "host-local" and (hl.dynamic_ranges[0].start, hl.dynamic_ranges[0].end) == (
        ip("10.2.0.10"), ip("10.2.0.254"))
    assert static.ipam == "static" and static.static_addresses == (ipaddress.ip_interface("10.3.0.5/24"),)
    assert static.gateway == ip("10.3.0.1")
    assert dhcp.ipam == "dhcp" and dhcp.subnets == ()


def test_whereabouts_node_slice_size_of_the_top_level_range(read_yaml: Callable[..., Any]) -> None:
    docs = [
        '{"type": "macvlan", "ipam": {"type": "whereabouts", "range": "10.0.0.0/20", "node_slice_size": "/24"}}',
        '{"type": "macvlan", "ipam": {"type": "whereabouts", "node_slice_size": "/24",'
        ' "ipRanges": [{"range": "10.1.0.0/20"}]}}',
        '{"type": "macvlan", "ipam": {"type": "whereabouts", "range": "10.2.0.0/20", "node_slice_size": 24}}',
    ]
    text = "---\n".join(HEAD.replace("br1-tagged", f"n{i}") + f"  config: '{doc}'\n" for i, doc in enumerate(docs))
    reading = read_yaml(text)
    sliced, ranges_only, number = reading.read.site.networks
    assert sliced.node_slice_size == "/24" and reading.text_at(sliced.at("node_slice_size")) == '"/24"'
    assert ranges_only.node_slice_size == ""  # whereabouts slices the top-level range only
    # the Go field is a string: a number is a wrong type at its place
    assert number.node_slice_size == ""
    assert [p.message for p in reading.read.problems] == [
        "spec.config.ipam.node_slice_size must be a string, not the number 24; kvnet skipped it"]


def test_sriov_nad_resource_name_is_the_bare_resource(read_yaml: Callable[..., Any]) -> None:
    text = HEAD.replace("  namespace: app\n", "  namespace: app\n  annotations:\n"
                        "    k8s.v1.cni.cncf.io/resourceName: openshift.io/intelnics\n") + (
        '  config: \'{"type": "sriov", "vlan": 200, "spoofchk": "on", "trust": "off"}\'\n')
    reading = read_yaml(text)
    (net,) = reading.read.site.networks
    assert (net.type, net.resource_name, net.vlan, net.spoof_check, net.trust) == ("sriov", "intelnics", 200, True,
                                                                                   False)
    (ref,) = reading.read.site.objects
    assert ref.annotations["k8s.v1.cni.cncf.io/resourceName"] == "openshift.io/intelnics"


def test_wrong_types_inside_the_config_are_problems_at_their_place(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml(HEAD + '  config: |\n    {"type": "bridge",\n     "vlan": "350", "vlanTrunk": 5}\n')
    (net,) = reading.read.site.networks
    assert net.vlan is None and net.vlan_trunk == ()
    messages = {p.message.split(" must ")[0]: p for p in reading.read.problems}
    assert set(messages) == {"spec.config.vlan", "spec.config.vlanTrunk"}
    assert reading.text_at(messages["spec.config.vlan"].span) == '"350"'
    assert messages["spec.config.vlan"].span.line == 9

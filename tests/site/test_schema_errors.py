"""Schema violations: all reported at once, each at its line:col, in words a person understands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kvnet.errors import InputProblem, KvnetInputError
from kvnet.load import Document
from kvnet.site import read_site, validate_site

HEAD = "apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: a}\n"
FULL = Path(__file__).resolve().parents[2] / "samples" / "full" / "site.yaml"

# (text in the full sample, its broken replacement)
BREAKAGES = [
    ("      vlan: 110\n", "      vlna: 110\n"),
    ("      vlan: 120\n", '      vlan: "abc"\n'),
    ("      type: ovn-layer2\n", "      type: ovnlayer2\n"),
    ('    start: "02:a0:00:00:00:00"', '    start: "02:a0:00:00:00"'),
    ("      subnet: 10.250.0.0/24\n", "      subnet: 10.250.0.300/24\n"),
    ('    version: "4.18"', "    version: 4.20"),
    ("      bridge: br-vm\n      vlan: 250\n", "      vlan: 250\n"),
    ("br-vm: {port: bond1, vlans: [\"100-299\"], mtu: 9000}", "br-vm: {port: bond1, vlans: [\"299-100\"], stp: no}"),
    ("ip: 10.110.0.50/24}", "ip: 10.110.0.50/33}"),
]


def broken_text() -> str:
    text = FULL.read_text(encoding="utf-8")
    for old, new in BREAKAGES:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def place(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based (line, column) of `needle` (plus offset characters) in text."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


@pytest.fixture
def problems(site_doc: Callable[[str, str], Document]) -> tuple[str, list[InputProblem]]:
    text = broken_text()
    return text, validate_site(site_doc(text, "broken.yaml"))


def find(problems: list[InputProblem], fragment: str) -> InputProblem:
    matching = [p for p in problems if fragment in p.message]
    assert len(matching) == 1, (fragment, [p.message for p in problems])
    return matching[0]


def at(problem: InputProblem) -> tuple[int, int]:
    assert problem.span is not None
    assert problem.span.file == "broken.yaml"
    return problem.span.line, problem.span.column


def test_every_mistake_is_reported_once_in_source_order(problems: tuple[str, list[InputProblem]]) -> None:
    _, found = problems
    assert len(found) == 10, [p.message for p in found]
    assert [at(p) for p in found] == sorted(at(p) for p in found)


def test_unknown_field_points_at_the_key_and_suggests(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, 'unknown field "vlna"')
    assert p.message == 'unknown field "vlna" in network "prod-web" (did you mean "vlan"?)'
    assert at(p) == place(text, "vlna: 110")
    assert "known fields:" in p.hint and "vlan" in p.hint


def test_wrong_type_names_what_was_found(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, '"vlan" of network "legacy-web"')
    assert p.message == '"vlan" of network "legacy-web" must be a whole number, not the text "abc"'
    assert at(p) == place(text, '"abc"')


def test_enum_lists_the_choices_and_suggests(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, "ovnlayer2")
    assert p.message == ('"type" of network "tenant-l2": expected one of pod, linux-bridge, ovn-layer2, '
                         'ovn-localnet, sriov but found "ovnlayer2" (did you mean "ovn-layer2"?)')
    assert at(p) == place(text, "ovnlayer2")


def test_malformed_mac(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, "MAC address")
    assert p.message == '"macPool.start" is not a valid MAC address: "02:a0:00:00:00"'
    assert at(p) == place(text, '"02:a0:00:00:00"')


def test_unparseable_cidr_says_why(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, "10.250.0.300/24")
    assert p.message == ('"subnet" of network "migration" is not a valid CIDR: "10.250.0.300/24" '
                         "(octet 300 (> 255) not permitted)")
    assert at(p) == place(text, "10.250.0.300/24")


def test_bad_prefix_on_an_interface_address(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, "10.110.0.50/33")
    assert p.message.startswith('"ip" of interface "prod" of VM "db-1" is not a valid IP address')
    assert "prefix length '33' is out of range" in p.message
    assert at(p) == place(text, "10.110.0.50/33")


def test_unquoted_number_where_text_is_meant(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, "cluster.version")
    assert p.message == '"cluster.version" must be text, not the number 4.2'
    assert "quotes" in p.hint
    assert at(p) == place(text, "4.20")


def test_missing_field_points_at_the_entry(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, 'missing field "bridge"')
    assert p.message == 'missing field "bridge" in network "migration" (a linux-bridge network needs it)'
    assert p.hint.startswith("linux-bridge: the node bridge")
    assert at(p) == place(text, "    migration:", 4)


def test_yaml11_boolean_trap_gets_a_hint(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, '"stp"')
    assert p.message == '"stp" of bridge "br-vm" of node group "workers" must be true or false, not the text "no"'
    assert "YAML 1.1" in p.hint and "true or false" in p.hint
    assert at(p) == place(text, "stp: no", 5)


def test_backwards_vlan_range(problems: tuple[str, list[InputProblem]]) -> None:
    text, found = problems
    p = find(found, "299-100")
    assert p.message == ('"vlans[0]" of bridge "br-vm" of node group "workers" is not a valid VLAN id or range: '
                         '"299-100" (the range runs backwards (299 is above 100))')
    assert at(p) == place(text, '"299-100"')


def test_read_site_raises_with_every_problem(site_doc: Callable[[str, str], Document]) -> None:
    with pytest.raises(KvnetInputError) as caught:
        read_site(site_doc(broken_text(), "broken.yaml"))
    assert len(caught.value.problems) == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("apiVersion: kvnet.dev/v9\nkind: Site\nmetadata: {name: a}\nspec: {}\n",
         'unsupported apiVersion "kvnet.dev/v9": this kvnet reads kvnet.dev/v1alpha1'),
        ("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nspec: {}\n",
         'missing field "metadata" at the top of the document'),
        ("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: Bad_Name}\nspec: {}\n",
         '"metadata.name" is not a valid DNS-1123 name: "Bad_Name"'),
        (HEAD + "spec:\n  cluster: {nmae: x}\n", 'unknown field "nmae" in "cluster" (did you mean "name"?)'),
        (HEAD + "spec:\n  vm: []\n", 'unknown field "vm" in "spec" (did you mean "vms"?)'),
        (HEAD + "spec:\n  nodeGroups: {g: {nics: {eth0: {sriov: {totalVfs: 8, pciAddress: 0000:18:00.1x}}}}}\n",
         '"sriov.pciAddress" of NIC "eth0" of node group "g" is not a valid PCI address: "0000:18:00.1x"'),
        (HEAD + "spec:\n  networks:\n    Bad_Net: {type: pod}\n",
         'network name "Bad_Net" is not a valid DNS-1123 name'),
        (HEAD + "spec:\n  nodeGroups:\n    g: {nics: {this-name-is-too-long: {}}}\n",
         'NIC name "this-name-is-too-long" in node group "g" is not a valid interface name'),
        ("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: a}\nspec:\n  loadBalancer:\n"
         "    pools: {p: {addresses: [10.0.0.1-10.0.0.9], advertise: true}}\n",
         '"advertise" of address pool "p": expected one of l2, bgp but found true'),
        ("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: a}\nspec:\n  nodeGroups:\n"
         "    g: {bridges: {br0: {vlans: [{id: 5}]}}}\n",
         '"vlans[0]" of bridge "br0" of node group "g" must be a VLAN id or range (such as 100, "100-199"), '
         "not a mapping"),
        ("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: a}\nspec:\n  vms:\n"
         "    - {name: a, interfaces: [{name: x, network: pod, mac: 52:54:00:12:34:56, model: virtio}], foo: 1}\n",
         'unknown field "foo" in VM "a"'),
    ],
)
def test_messages(site_doc: Callable[[str, str], Document], text: str, message: str) -> None:
    found = validate_site(site_doc(text, "t.yaml"))
    assert len(found) == 1, found
    assert found[0].message.startswith(message)


def test_bad_key_name_points_at_the_key(site_doc: Callable[[str, str], Document]) -> None:
    text = HEAD + "spec:\n  networks:\n    ok: {type: pod}\n    Bad_Net: {type: pod}\n"
    (problem,) = validate_site(site_doc(text, "t.yaml"))
    assert problem.span is not None
    assert (problem.span.line, problem.span.column) == (7, 5)

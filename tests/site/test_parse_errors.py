"""Values that cannot be parsed at all are input problems at their own place, reported together."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kvnet.errors import KvnetInputError
from kvnet.load import Document
from kvnet.site import read_site
from kvnet.site import values as v

HEAD = "apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: t}\nspec:\n"

CASES = [
    ("  nodes: [{name: w0, group: g, ip: 192.168.1.256}]\n", "192.168.1.256", "octet 256 (> 255) not permitted"),
    ("  cluster: {machineNetwork: [192.168.1.0/24, 10.0.0.1/8]}\n", "10.0.0.1/8",
     "host bits are set (the network is 10.0.0.0/8)"),
    ("  loadBalancer: {pools: {p: {addresses: [10.0.0.9-10.0.0.1]}}}\n", "10.0.0.9-10.0.0.1",
     "the range runs backwards"),
    ("  loadBalancer: {pools: {p: {addresses: [10.0.0.1-fd00::1]}}}\n", "10.0.0.1-fd00::1",
     "both ends must be of one IP family"),
    ("  networks: {n: {type: ovn-layer2, subnet: 10.1.0.0}}\n", "10.1.0.0}", "needs a prefix length"),
    ("  networks: {n: {type: ovn-layer2, gateway: fd00::zz}}\n", "fd00::zz", "only hex digits permitted"),
    ("  vms: [{name: \"web-{3..1}\"}]\n", '"web-{3..1}"', "the range runs backwards (3 is above 1)"),
    ("  vms: [{name: \"w{1..99999}\"}]\n", '"w{1..99999}"', "over the limit"),
]


@pytest.mark.parametrize(("snippet", "needle", "reason"), CASES, ids=[c[1] for c in CASES])
def test_unparseable_value_is_located(
    site_doc: Callable[[str, str], Document], snippet: str, needle: str, reason: str
) -> None:
    text = HEAD + snippet
    with pytest.raises(KvnetInputError) as caught:
        read_site(site_doc(text, "t.yaml"))
    (problem,) = caught.value.problems
    assert reason in problem.message
    assert problem.span is not None
    line = text.count("\n", 0, text.index(needle)) + 1
    column = text.index(needle) - text.rfind("\n", 0, text.index(needle))
    assert (problem.span.file, problem.span.line, problem.span.column) == ("t.yaml", line, column)


def test_builder_problems_are_all_reported(site_doc: Callable[[str, str], Document]) -> None:
    text = HEAD + '  vms:\n    - name: "a{2..1}"\n    - name: "b{5..4}"\n'
    with pytest.raises(KvnetInputError) as caught:
        read_site(site_doc(text, "t.yaml"))
    assert [p.span.line for p in caught.value.problems if p.span] == [6, 7]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100", (100, 100)), ("100-299", (100, 299)), (7, (7, 7)), (" 5 - 6 ", (5, 6))],
)
def test_vlan_ranges(text: str | int, expected: tuple[int, int]) -> None:
    assert v.parse_vlan_range(text) == expected


@pytest.mark.parametrize("text", ["0-5", "4096", "abc", "10-", True])
def test_bad_vlan_ranges(text: str | int) -> None:
    with pytest.raises(ValueError):
        v.parse_vlan_range(text)


def test_ranges_and_groups() -> None:
    first, last = v.parse_ip_range("10.0.0.0/30")
    assert (str(first), str(last)) == ("10.0.0.0", "10.0.0.3")
    assert v.group_base("web-{01..03}") == "web"
    assert v.expand_group("plain") == ["plain"]
    with pytest.raises(ValueError, match="not a valid VM name"):
        v.expand_group("x-{1..2}-" + "a" * 70)

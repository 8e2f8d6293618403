"""Inline suppressions: `# kvnet: ignore[RULE] reason` on the line or on the first line of the object."""

from __future__ import annotations

from pathlib import Path

from kvnet.check import check_sources
from kvnet.findings import Finding
from kvnet.load import load_text
from kvnet.policy import default_policy

MINIMAL = (Path(__file__).resolve().parents[2] / "samples" / "minimal" / "site.yaml").read_text()
BAD_LINE = "        - {name: lab, network: lab-net, ip: 10.20.0.12/24}"
GATEWAY_LINE = "        - {name: lab, network: lab-net, ip: 10.20.0.1/24}"


def check(text: str) -> list[Finding]:
    return check_sources({"site.yaml": load_text(text, "site.yaml")}, default_policy()).findings


def ids(findings: list[Finding]) -> list[str]:
    return [f.rule_id for f in findings]


def with_gateway_ip(comment: str = "") -> str:
    assert BAD_LINE in MINIMAL
    return MINIMAL.replace(BAD_LINE, GATEWAY_LINE + comment)


def test_the_unsuppressed_site_has_the_finding() -> None:
    assert ids(check(with_gateway_ip())) == ["IP-05"]


def test_suppression_on_the_offending_line() -> None:
    assert check(with_gateway_ip("  # kvnet: ignore[IP-05] router appliance takes .1 on purpose")) == []


def test_suppression_on_the_first_line_of_the_object_covers_its_lines() -> None:
    text = MINIMAL.replace("    - name: app-2\n", "    - name: app-2  # kvnet: ignore[IP-05] lab router VM\n")
    text = text.replace(BAD_LINE, GATEWAY_LINE)
    assert check(text) == []


def test_suppression_elsewhere_does_not_silence_and_is_reported_unused() -> None:
    text = with_gateway_ip().replace("    - name: app-1\n", "    - name: app-1  # kvnet: ignore[IP-05] not here\n")
    found = check(text)
    assert sorted(ids(found)) == ["IP-05", "SUP-02"]
    unused = next(f for f in found if f.rule_id == "SUP-02")
    assert unused.span.line == text.splitlines().index("    - name: app-1  # kvnet: ignore[IP-05] not here") + 1


def test_suppression_without_a_reason_silences_nothing_and_is_reported() -> None:
    found = check(with_gateway_ip("  # kvnet: ignore[IP-05]"))
    assert sorted(ids(found)) == ["IP-05", "SUP-01"]
    assert "gives no reason" in next(f for f in found if f.rule_id == "SUP-01").message


def test_suppression_naming_an_unknown_rule_is_reported() -> None:
    found = check(with_gateway_ip("  # kvnet: ignore[IP-5O] typo in the id"))
    assert sorted(ids(found)) == ["IP-05", "SUP-01"]
    assert "unknown rule 'IP-5O'" in next(f for f in found if f.rule_id == "SUP-01").message


def test_a_hash_inside_a_quoted_value_is_not_a_suppression() -> None:
    text = MINIMAL.replace("  name: lab\n", '  name: lab\n  annotations: {note: "# kvnet: ignore[IP-05] x"}\n', 1)
    assert ids(check(text.replace(BAD_LINE, GATEWAY_LINE))) == ["IP-05"]

"""kvnet.fix: each fix, everything else byte for byte, and a second run that changes nothing."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from kvnet.fix import FixResult, fix_text, normal_vlans

SITE = textwrap.dedent("""\
    # lab site  (comments, blank lines and odd spacing must survive)
    apiVersion: kvnet.dev/v1alpha1
    kind: Site
    metadata: {name: lab}
    spec:
      macPool: {start: 02:a0:00:00:00:00, end: "02:a0:00:00:00:ff"}   # the pool
      nodeGroups:
        workers:
          nics:
            ens5f0: {sriov: {totalVfs: 8, pciAddress: 0000:18:00.1}}
          bridges:
            br-vm:   {port: eno2, vlans: [300, "100-199", 200, 150]}  # trunk

            br-dhcp:
              port: eno1
              dhcp: true      # takes the node IP
              vlans:
                - 20
                - 10
                - 11
      networks:
        n2:
          type: linux-bridge
          bridge: br-vm
          vlanTrunk: ["100-110", 105, 111]
          description: on
      vms:
        - name: a
          interfaces:
            - {name: p, network: n2, mac: 52:54:00:12:34:56}
    """)


def fixed(text: str = SITE) -> FixResult:
    return fix_text(text, "site.yaml")


EXPECTED = [  # (written, fixed): every line the fixes touch; all other lines stay byte for byte
    ('start: 02:a0:00:00:00:00,', 'start: "02:a0:00:00:00:00",'),
    ("pciAddress: 0000:18:00.1}", 'pciAddress: "0000:18:00.1"}'),
    ('vlans: [300, "100-199", 200, 150]}', 'vlans: ["100-200", 300]}'),
    ("            - 20\n            - 10\n            - 11\n",
     '            - "10-11"\n            - 20\n          copyMacFrom: eno1\n'),
    ('vlanTrunk: ["100-110", 105, 111]', 'vlanTrunk: ["100-111"]'),
    ("description: on", 'description: "on"'),
    ("mac: 52:54:00:12:34:56}", 'mac: "52:54:00:12:34:56"}'),
]


def test_every_fix_and_nothing_else() -> None:
    expected = SITE
    for written, fixed_text in EXPECTED:
        assert expected.count(written) == 1, written
        expected = expected.replace(written, fixed_text)
    result = fixed()
    assert result.after == expected
    assert len(result.edits) == 8  # the VLAN list and copyMacFrom of br-dhcp are two edits


def test_second_run_changes_nothing() -> None:
    once = fixed()
    twice = fix_text(once.after, "site.yaml")
    assert once.changed and not twice.changed and twice.edits == ()


def test_yaml11_readers_now_read_the_text_kvnet_reads() -> None:
    before, after = yaml.safe_load(SITE), yaml.safe_load(fixed().after)
    assert before["spec"]["vms"][0]["interfaces"][0]["mac"] == 41_135_085_296  # the trap: base 60
    assert after["spec"]["vms"][0]["interfaces"][0]["mac"] == "52:54:00:12:34:56"
    assert after["spec"]["networks"]["n2"]["description"] == "on"
    assert after["spec"]["nodeGroups"]["workers"]["nics"]["ens5f0"]["sriov"]["pciAddress"] == "0000:18:00.1"


def test_numbers_kvnet_reads_as_numbers_are_not_quoted() -> None:
    text = "apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: x}\nspec:\n  mode: 0755\n"
    assert not fixed(text).changed  # YAML 1.2 reads 755: quoting would change the value kvnet sees


def test_vlan_list_with_a_comment_inside_is_left_alone() -> None:
    text = SITE.replace("            - 10\n", "            - 10   # lab\n")
    result = fixed(text)
    assert "            - 20\n            - 10   # lab\n            - 11\n" in result.after


def test_block_mapping_insert_goes_after_the_last_entry_and_its_comment() -> None:
    after = fixed().after
    assert "          dhcp: true      # takes the node IP\n" in after
    block = after[after.index("br-dhcp:"):after.index("networks:")]
    assert block.rstrip().endswith("copyMacFrom: eno1")


def test_flow_bridge_gets_copy_mac_from_inside_the_braces() -> None:
    text = SITE.replace("{port: eno2, vlans", "{port: eno2, dhcp: true, vlans")
    assert '{port: eno2, dhcp: true, vlans: ["100-200", 300], copyMacFrom: eno2}  # trunk' in fixed(text).after


def test_crlf_files_keep_their_line_breaks() -> None:
    result = fixed(SITE.replace("\n", "\r\n"))
    assert "\r\n" in result.after and "\n" not in result.after.replace("\r\n", "")
    assert not fix_text(result.after, "site.yaml").changed


def test_manifest_documents_only_get_quoting() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
            "data: {mac: 02:00:00:00:00:01, vlans: [3, 1, 2]}\n")
    assert fixed(text).after == ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
                                 'data: {mac: "02:00:00:00:00:01", vlans: [3, 1, 2]}\n')


@pytest.mark.parametrize(("items", "expected"), [
    ([300, "100-199", 200, 150], ["100-200", 300]),
    ([5, 3, 4, 4], ["3-5"]),
    (["7"], [7]),
    ([1, 3], [1, 3]),
    (["200-100"], None),  # a backwards range: VLAN-01 reports it, fix does not guess
    ([0], None),
    (["a-b"], None),
])
def test_normal_vlans(items: list[object], expected: list[object] | None) -> None:
    assert normal_vlans(items) == expected


def test_ruamel_sees_every_comment_after_the_fix() -> None:
    from kvnet.fix import ruamel_comments

    before = ruamel_comments(SITE)
    assert "# the pool" in before and "# takes the node IP" in before
    assert ruamel_comments(fixed().after) == before


def test_an_edit_that_would_drop_a_comment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import kvnet.fix

    real_apply = kvnet.fix.apply_edits

    def lossy(text: str, edits: object) -> str:
        return real_apply(text, edits).replace("  # trunk", "")  # type: ignore[arg-type]

    monkeypatch.setattr(kvnet.fix, "apply_edits", lossy)
    with pytest.raises(RuntimeError, match="lose or change comments"):
        fix_text(SITE, "site.yaml")

"""`# kvnet:` comments (only real ones) and the lines each object covers, for suppressions."""

from __future__ import annotations

import textwrap

from kvnet.load import load_text
from kvnet.load.comments import container_line_ranges, suppression_comments
from kvnet.load.yaml_loader import PythonParser, load_text_with


def comments_in(text: str) -> list[tuple[int, int, str]]:
    return suppression_comments(load_text(textwrap.dedent(text), "f.yaml"))


def test_real_comments_are_found_with_their_places() -> None:
    found = comments_in("""\
        # kvnet: ignore[MAC-01] file-level note
        vms:
          - name: a   # kvnet: ignore[MAC-02] shared MAC on purpose
            mac: x #kvnet: ignore[X]
        # an ordinary comment
        """)
    assert found == [
        (1, 1, "# kvnet: ignore[MAC-01] file-level note"),
        (3, 15, "# kvnet: ignore[MAC-02] shared MAC on purpose"),
        (4, 12, "#kvnet: ignore[X]"),
    ]


def test_hashes_inside_scalars_are_not_comments() -> None:
    found = comments_in("""\
        a: "x # kvnet: ignore[A] inside double quotes"
        b: 'y # kvnet: ignore[B] inside single quotes'
        c: z#kvnet:part-of-a-plain-scalar
        d: |
          # kvnet: ignore[D] inside a literal block
          text
        e: >-
          folded # kvnet: ignore[E] inside a folded block
        f: "multi
          # kvnet: ignore[F] in a quoted continuation"
        g: ok
        """)
    assert found == []


def test_comment_after_a_quoted_value_or_on_a_block_header_counts() -> None:
    found = comments_in("""\
        a: "x # not" # kvnet: ignore[A] after the quotes
        script: |  # kvnet: ignore[S] on the header
          body
        # kvnet: ignore[T] after the block, less indented
        list: [1, # kvnet: ignore[L] inside flow
          2]
        """)
    assert [(line, text.split("]")[0]) for line, _, text in found] == [
        (1, "# kvnet: ignore[A"), (2, "# kvnet: ignore[S"), (4, "# kvnet: ignore[T"), (5, "# kvnet: ignore[L"),
    ]
    assert found[0][1] == 14


def test_no_marker_means_no_work() -> None:
    assert comments_in("a: 1  # just a note\n") == []
    assert suppression_comments(load_text("", "f.yaml")) == []


def test_windows_line_endings_and_multiple_documents() -> None:
    source = load_text("a: 1\r\n---\r\nb: 2  # kvnet: ignore[B] x\r\n", "f.yaml")
    assert suppression_comments(source) == [(3, 7, "# kvnet: ignore[B] x")]


def test_same_results_with_the_fallback_parser() -> None:
    text = 'a: "# kvnet: no"  # kvnet: yes\nb: |\n  # kvnet: no\n'
    fallback = load_text_with(PythonParser, text, "f.yaml")
    assert suppression_comments(fallback) == suppression_comments(load_text(text, "f.yaml"))
    assert suppression_comments(fallback) == [(1, 19, "# kvnet: yes")]


def test_container_line_ranges() -> None:
    source = load_text(textwrap.dedent("""\
        kind: Site
        spec:
          vms:
            - name: a
              nics:
                - eth0
                - eth1

            - name: b
              tags: {x: 1,
                y: 2}
            - c
          script: |
            one
            two
        """), "f.yaml")
    ranges = container_line_ranges(source.documents[0])
    assert ranges[1] == 1  # a scalar entry covers its own line
    assert ranges[2] == 15  # `spec:` covers everything below it
    assert ranges[3] == 12  # `vms:` ends with its last item
    assert ranges[4] == 7  # the first VM ends at its last value, not at the blank line or the next item
    assert ranges[5] == 7 and ranges[6] == 6
    assert ranges[9] == 11  # a flow mapping ends at its closing brace
    assert ranges[12] == 12
    assert ranges[13] == 15  # a block scalar: its lines, not the line after it


def test_container_line_ranges_with_aliases() -> None:
    source = load_text("base: &b\n  x: 1\n  y: 2\ncopy: *b\nlist:\n  - *b\n", "f.yaml")
    ranges = container_line_ranges(source.documents[0])
    assert ranges == {1: 3, 2: 2, 3: 3, 4: 4, 5: 6, 6: 6}


def test_container_line_ranges_of_a_scalar_document() -> None:
    assert container_line_ranges(load_text("just text\n", "f.yaml").documents[0]) == {}

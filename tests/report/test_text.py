

def test_long_source_lines_are_clipped_around_the_span() -> None:
    from kvnet.findings import Finding, Severity
    from kvnet.report import render
    from kvnet.span import Span

    line = "x" * 5000 + '"vlan": 5000' + "y" * 5000
    column = 5001
    finding = Finding(Span("big.json", 1, column, 1, column + 12), "VLAN-01", Severity.ERROR, "bad vlan")
    text = render([finding], "text", sources={"big.json": line})
    shown = text.splitlines()
    source_row = next(row for row in shown if row.startswith("1 |"))
    caret_row = shown[shown.index(source_row) + 1]
    assert len(source_row) < 200
    start = caret_row.index("^")
    assert source_row[start : start + 12] == '"vlan": 5000'
    assert caret_row.count("^") == 12
    assert "big.json:1:5001" in text  # the reported place is still the real one

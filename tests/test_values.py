"""Cell text → value and kind: blank, dash, 0 and text stay distinct."""
import pytest

from ogi.extract.printed import parse_value


@pytest.mark.parametrize("raw, value, kind", [
    ("0", 0, "number"), ("115", 115, "number"), ("1,234", 1234, "number"), ("１２", 12, "number"),
    ("12件", 12, "number"), (" 0", 0, "number"), ("? 0", 0, "number"), ("96171.6", 96171.6, "number"),
    ("7730.28", 7730.28, "number"), ("+19", 19, "number"), ("-8", -8, "number"), ("−3", -3, "number"),
    ("", None, "blank"), ("\u3000\u3000", None, "blank"), ("\n", None, "blank"),
    ("/", None, "dash"), ("／", None, "dash"), ("—", None, "dash"), ("-", None, "dash"), ("无", None, "dash"),
    ("见附件", None, "text"), ("1 2", None, "text"), ("12a", None, "text"), ("1,23", None, "text"),
])
def test_parse_value(raw, value, kind):
    parsed = parse_value(raw)
    assert parsed.kind == kind
    assert parsed.value == value

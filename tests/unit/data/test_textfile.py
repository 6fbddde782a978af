import codecs

import pytest

from birnn.data.textfile import FormatUnknown, detect_encoding, sniff_delimiter

TEXT = "text,label\ncafé crème,1\nnaïve,0\n"


@pytest.mark.parametrize(
    "body, expected",
    [
        (TEXT.encode(), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode(), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-32"), "utf-32"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_marked_utf16_and_utf8_are_detected(body, expected):
    assert detect_encoding(body, "x.csv") == expected
    assert body.decode(expected) == TEXT


def test_a_legacy_file_suggests_cp1252_and_undefined_bytes_latin1():
    with pytest.raises(FormatUnknown, match=r"byte 0xe9 at offset 14, line 2.*cp1252"):
        detect_encoding(TEXT.encode("cp1252"), "x.csv")
    with pytest.raises(FormatUnknown, match=r"set data.encoding: latin-1"):
        detect_encoding(TEXT.encode("latin-1") + b"\x81\n", "x.csv")


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_the_separator_is_sniffed(sep):
    sample = f"text{sep}label\n" + "".join(f"a, b; c {i}{sep}{i % 2}\n" for i in range(30))
    assert sniff_delimiter(sample, "x.csv") == sep


def test_one_column_is_read_with_a_comma():
    assert sniff_delimiter("text\nhello\nworld\n", "x.txt") == ","


def test_an_ambiguous_header_asks_for_data_sep():
    sample = "a,b;c\n" + "x;y,z,w;q\n1,2\n;;;\n"
    with pytest.raises(FormatUnknown, match="x.csv: cannot tell which of ',', ';'.*data.sep"):
        sniff_delimiter(sample, "x.csv")

"""How a user's text table is written: its encoding (a byte-order mark, UTF-16 without one,
else UTF-8 checked byte for byte) and its delimiter (csv.Sniffer over a sample).

What cannot be detected stops with a message that names the file, the first offending byte
and its offset, and the setting (data.encoding / data.sep) that fixes it.
"""

from __future__ import annotations

import codecs
import csv

# UTF-32 first: its little-endian mark starts with UTF-16's
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = ",;\t|"
SNIFF_CHARS = 64 * 1024
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


class FormatUnknown(ValueError):
    """The file's encoding or layout cannot be told from its bytes."""


def detect_encoding(data: bytes, shown: str) -> str:
    """The codec ``data`` is written in; FormatUnknown (naming ``shown``) when it is neither
    marked nor UTF-16 nor valid UTF-8."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    utf16 = _utf16_without_bom(data[:4096])
    if utf16:
        return utf16
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FormatUnknown(not_utf8(data, err, shown)) from None
    return "utf-8"


def _utf16_without_bom(sample: bytes) -> str | None:
    """ASCII-heavy UTF-16 has a NUL in every other byte: odd ones (LE) or even ones (BE)."""
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def not_utf8(data: bytes, err: UnicodeDecodeError, shown: str) -> str:
    """Why ``data`` is not UTF-8, where, how much of it, and which setting reads it."""
    lines = data.rstrip(b"\r\n").split(b"\n")
    bad = good_accented = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good_accented += 1
        except UnicodeDecodeError:
            bad += 1
    line_no = data.count(b"\n", 0, err.start) + 1
    where = (
        f"{shown} is not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}, line "
        f"{line_no}; {bad} of {len(lines)} lines hold such bytes)"
    )
    drop = (
        "set data.encoding: utf-8 to read it as UTF-8 and drop those rows (counted as "
        "'undecodable' in reports/clean_report.json)"
    )
    legacy = _legacy_codec(data)
    if good_accented:  # some lines are UTF-8 with accents: a mix, not one legacy file
        return (
            f"{where}; other lines are valid UTF-8, so the file mixes encodings: {drop}, or fix "
            f"those lines (or set data.encoding: {legacy} if most of it is {legacy})"
        )
    return (
        f"{where}: set data.encoding: {legacy} (Windows/Excel 'ANSI' or ISO-8859-1 files), or "
        f"another codec Python knows; or {drop}"
    )


def _legacy_codec(data: bytes) -> str:
    try:
        data.decode("cp1252")  # what Excel on Windows writes; leaves 5 bytes undefined
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def sniff_delimiter(text: str, shown: str) -> str:
    """The delimiter of a delimited text sample: the one csv.Sniffer finds that the header
    line holds too; a comma when the header has none of them (a one-column file)."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # a cut-off last row confuses the sniffer
    header = sample.split("\n", 1)[0]
    present = [d for d in DELIMITERS if d in header]
    if not present:
        return ","
    if len(present) == 1:
        return present[0]
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(present)).delimiter
    except csv.Error:
        found = None
    if found in present:
        return found
    raise FormatUnknown(
        f"{shown}: cannot tell which of {', '.join(_DELIMITER_NAMES[d] for d in present)} "
        "separates its columns; set data.sep to one of them (tab: data.sep: tab)"
    )

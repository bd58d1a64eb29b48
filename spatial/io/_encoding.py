"""Text-encoding detection for DBF attribute bytes and CSV files (UTF-8 first, then GB18030).

GDAL reads a GBK shapefile without ``.cpg`` as Latin-1 mojibake and raises nothing, and a GBK CSV
makes ``pandas.read_csv`` fail, so the bytes are checked here: strict UTF-8 first (ASCII is UTF-8),
then ``charset_normalizer`` among the encodings Chinese data comes in. GBK and GB2312 answers are
read as GB18030, their superset; Big5 (Taiwan, Hong Kong), which GB18030 also decodes without an
error into other characters, is told from it by which reading gives common characters (``big5_rather``). Short GBK text that happens to be valid UTF-8 (a few characters
are) is caught by a check of its own (``_looks_like_gbk``); a lone accented Latin letter with no
other text is then misread, a trade-off made for Chinese data. The DBF header is parsed by hand (a few ``struct`` calls) because
only the raw bytes of the text fields are wanted, not a decoded table.
"""

from __future__ import annotations

import codecs
import logging
import re
import struct
from pathlib import Path

from charset_normalizer import from_bytes

from spatial.core.errors import InputFileError, OptionError
from spatial.io._faults import fault_of, misnamed

logger = logging.getLogger(__name__)

#: Encodings tried by charset_normalizer after strict UTF-8 fails.
_CANDIDATES = ["gb18030", "big5", "cp1252", "latin_1"]
#: How many bytes of text to look at (enough for any table; keeps detection fast).
_SAMPLE_BYTES = 2_000_000
#: Code pages that are read as GB18030.
_GB = {"gb2312", "gbk", "cp936", "gb18030", "hz"}


def canonical(encoding: str) -> str:
    """Python's canonical name of ``encoding`` (``"GBK"`` -> ``"gbk"``); ValueError on unknown names."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise OptionError(f"unknown text encoding {encoding!r}; try 'utf-8' or 'gb18030'") from None


def detect_encoding(data: bytes) -> str:
    """Return the encoding of ``data``: ``"utf-8"`` when it decodes strictly, else the best guess.

    Chinese code pages (GBK, GB2312, CP936) come back as ``"gb18030"``.
    """
    sample = data[:_SAMPLE_BYTES]
    try:
        # final=False: a multi-byte character cut at the end of a sample is still UTF-8
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        if _looks_like_gbk(sample, text):
            return "gb18030"
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        gb_ok = True
    except UnicodeDecodeError:
        gb_ok = False
    big5 = big5_rather(sample)
    if big5:
        return big5
    best = from_bytes(sample, cp_isolation=_CANDIDATES).best()
    guess = canonical(best.encoding) if best is not None else None
    if guess in _GB or (gb_ok and guess in (None, "cp1252", "latin_1", "big5")):
        # short Chinese samples are often guessed as Big5 or Latin-1; data from mainland China is
        # GBK far more often, and GB18030 decoding it cleanly is strong evidence
        return "gb18030"
    return guess or "latin_1"


#: Big5 as Windows writes it (Taiwan), and with Hong Kong's characters (HKSCS): what a Big5 text is read as.
BIG5 = ("cp950", "big5hkscs")


def big5_rather(sample: bytes) -> str | None:
    """``"cp950"`` (or ``"big5hkscs"``) when ``sample`` is Big5 text (Taiwan, Hong Kong sources),
    else None.

    Big5 bytes nearly always decode as GB18030 too, with no error, to kana, box-drawing signs and
    rare characters (臺北市 comes out 籓カ獺), so the two readings are weighed: Big5 when nine in
    ten of its characters are among Big5's 5,401 common ones (常用字) and at least three in ten
    more than the GB18030 reading's characters are common simplified ones (GB2312). GBK text read
    as Big5 fails, or gives rare characters, or its GB18030 reading is as plausible (梅林 is
    common both ways): it stays GB18030.

    Examples
    --------
    >>> big5_rather("臺北市信義區".encode("cp950")), big5_rather("福田区梅林".encode("gbk"))
    ('cp950', None)
    """
    chars = [c for c in codecs.getincrementaldecoder("gb18030")("replace").decode(sample, final=False)
             if ord(c) > 127 and not c.isspace()]
    gb = sum(map(_common_gb, chars)) / max(len(chars), 1)
    for encoding in BIG5:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        chars = [c for c in text if ord(c) > 127 and not c.isspace()]
        if not chars:
            return None
        big5 = sum(map(_common_big5, chars)) / len(chars)
        return encoding if big5 >= 0.9 and big5 - gb >= 0.3 else None
    return None


def _common_gb(ch: str) -> bool:
    """A Chinese character of GB2312 (the common simplified ones)."""
    try:
        return "\u4e00" <= ch <= "\u9fff" and len(ch.encode("gb2312")) == 2
    except UnicodeEncodeError:
        return False


def _common_big5(ch: str) -> bool:
    """A Chinese character among Big5's common ones (常用字, lead bytes 0xA4-0xC6)."""
    try:
        return "\u4e00" <= ch <= "\u9fff" and 0xA4 <= ch.encode("cp950")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _is_chinese(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x3400 <= o <= 0x4DBF


def _looks_like_gbk(sample: bytes, text: str) -> bool:
    """True when valid UTF-8 is really short GBK text.

    A few GBK characters (lead byte 0xC2-0xDF, trail 0xA1-0xBF) are also valid two-byte UTF-8, which
    only encodes Latin, Greek, Cyrillic, Hebrew and Arabic letters; Chinese in UTF-8 takes three
    bytes. So text whose non-ASCII characters are all below U+0800, none inside a Latin word, and
    which decodes to common (GB2312) Chinese characters only is taken for GBK.
    """
    if not re.search(r"[^\x00-\x7f]", text) or re.search(r"[^\x00-\u07ff]", text):
        return False  # pure ASCII, or holds a character UTF-8 writes in 3+ bytes (all Chinese)
    if re.search(r"[A-Za-z][^\x00-\x7f]|[^\x00-\x7f][A-Za-z]", text):
        return False  # accented letters inside Latin words: "café", "Müller"
    try:
        gb = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        gb.encode("gb2312")  # common simplified characters only (not Cyrillic/Greek lookalikes)
    except (UnicodeDecodeError, UnicodeEncodeError):
        return False
    return all(_is_chinese(c) for c in gb if ord(c) > 127)


def all_chinese(sample: bytes) -> bool:
    """True when ``sample`` decodes as GB18030 to text whose every character beyond ASCII is
    Chinese (a CJK character or punctuation, full-width forms): GBK, not a Western code page's
    accented letters."""
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return all(_is_chinese(c) for c in text if ord(c) > 127)


def dbf_text_bytes(path: Path) -> bytes:
    """The raw bytes of the field names and text (type ``C``) values of a ``.dbf`` file.

    Only values holding non-ASCII bytes are kept, joined by newlines, up to a sample limit.
    """
    try:
        with open(path, "rb") as f:
            header = f.read(32)
            if len(header) < 32:
                raise InputFileError(f"'{path}' is not a DBF file (too short); re-export the shapefile")
            n_records, header_len, record_len = struct.unpack("<IHH", header[4:12])
            descriptors = f.read(header_len - 32)
            fields = []  # (name bytes, type, offset, length)
            offset = 1  # the deletion flag
            for i in range(0, len(descriptors) - 31, 32):
                d = descriptors[i : i + 32]
                if d[0] == 0x0D:
                    break
                name = d[:11].split(b"\x00", 1)[0]
                ftype = chr(d[11])
                length = d[16]
                fields.append((name, ftype, offset, length))
                offset += length
            chunks = [name for name, *_ in fields if any(b > 127 for b in name)]
            text = [(o, n) for _, t, o, n in fields if t == "C"]
            size = sum(len(c) for c in chunks)
            f.seek(header_len)
            batch = max(1, 65536 // max(record_len, 1))
            done = 0
            while text and done < n_records and size < _SAMPLE_BYTES:
                block = f.read(record_len * min(batch, n_records - done))
                if not block:
                    break
                for r in range(0, len(block) - record_len + 1, record_len):
                    rec = block[r : r + record_len]
                    for o, n in text:
                        value = rec[o : o + n].rstrip(b" \x00")
                        if any(b > 127 for b in value):
                            chunks.append(value)
                            size += len(value)
                done += len(block) // record_len
    except OSError as exc:
        raise InputFileError(f"cannot read '{path}': {exc}") from exc
    return b"\n".join(chunks)


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``data`` is UTF-16 text with no byte-order mark
    (as some systems export tables): the NUL high bytes of its ASCII characters (digits, commas,
    line ends) all on one side of each pair, and the text decoding cleanly; else None."""
    head = data[:8192]
    head = head[:len(head) // 2 * 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    for encoding, nul, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if other == 0 and nul >= 0.3 * (len(head) // 2):
            try:
                text = head.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text and sum(c < " " and c not in "\t\r\n" for c in text) <= 0.01 * len(text):
                return encoding
    return None


def looks_binary(data: bytes) -> bool:
    """True when ``data`` is not text: NUL bytes (outside UTF-16) or many control characters."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(head):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control > 0.05 * max(len(head), 1)


def decode_text_file(path: Path, *, encoding: str | None = None) -> tuple[str, str]:
    """Read a text file (CSV) and return ``(text, encoding)``, detecting the encoding if not given.

    A UTF-8 byte-order mark is honoured and removed.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read '{path}': {fault_of(path, exc, 'give the file of the table')}") from exc
    if not data.strip():
        raise InputFileError(f"'{path}' is empty; export the table again (with a header row)")
    if looks_binary(data):
        raise InputFileError(f"'{path}' is not a text file: " + (misnamed(path) or "it holds binary data; export it as "
                             "CSV (UTF-8 or GBK) or give the original .xlsx"))
    if encoding is not None and data.startswith(codecs.BOM_UTF8) and canonical(encoding) not in ("utf-8", "utf-8-sig"):
        # a UTF-8 byte-order mark says what the text is (Excel's "CSV UTF-8"): the encoding given
        # (a project's gbk, from when the office saved GBK) would garble every Chinese character
        logger.warning("'%s' starts with a UTF-8 byte-order mark (saved as \"CSV UTF-8\"): read as UTF-8, not %s",
                       path, encoding)
        encoding = "utf-8-sig"
    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif utf16_without_bom(data):
            encoding = utf16_without_bom(data)
        else:
            encoding = detect_encoding(data)
        logger.info("'%s': detected text encoding %s", path, encoding)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as exc:
        # the line, so that a file of two encodings (rows pasted from another) can be mended there
        line = data[:exc.start].count(b"\n") + 1 if isinstance(exc, UnicodeDecodeError) else None
        if line is not None and exc.end >= len(data) and not data.endswith((b"\n", b"\r")):
            # a character whose bytes stop with the file: cut short, not another encoding
            raise InputFileError(
                f"'{path}' looks cut short (copied or downloaded in part): its last line, line {line}, stops in "
                "the middle of a character; copy or download the file again") from exc
        where = f" in line {line}" if line is not None else ""
        raise InputFileError(
            f"cannot decode '{path}' as {encoding}{where} ({getattr(exc, 'reason', exc)}); save it again as "
            "CSV UTF-8 (Excel, WPS: 另存为 → CSV UTF-8), or give its encoding (for example 'gb18030': "
            "encoding = \"gb18030\" in a project file's input, encoding= in Python)"
        ) from exc

#!/usr/bin/env python3
"""Extracts more public-domain English text from Debian packages, for version 3's language-modelling share.

  mkdir -p /tmp/deb && cd /tmp/deb && apt-get download r-cran-janeaustenr sword-text-web \\
      && for f in *.deb; do dpkg -x $f x; done
  python3 tools/train/extra_texts.py --root /tmp/deb/x --out .devcarry/train/corpus

Writes (xz-compressed, as build_data.py reads them):
  austen_emma, austen_mansfieldpark, austen_northangerabbey, austen_persuasion, austen_sensesensibility
      Jane Austen's novels from r-cran-janeaustenr (1.0.0-1; Project Gutenberg texts, public domain).
      Pride and Prejudice is skipped: the corpus has it already.
  web_bible
      The World English Bible (public domain) from sword-text-web (426.0-1), OSIS markup and footnotes removed,
      one paragraph a line.

No R or SWORD tools are needed: the R data file (lazy-load database of zlib-compressed XDR serialisations) and the
SWORD zText module (zlib blocks, block and verse indexes) are read directly.
"""
from __future__ import annotations

import argparse
import gzip
import lzma
import re
import struct
import zlib
from pathlib import Path

AUSTEN_SKIP = {"prideprejudice"}


def _r_strings(d: bytes) -> list[str]:
    """The longest character vector (STRSXP of CHARSXPs) near the start of an R serialisation."""
    def parse(p):
        _, n = struct.unpack_from(">ii", d, p)
        p += 8
        out = []
        for _ in range(n):
            f, ln = struct.unpack_from(">ii", d, p)
            p += 8
            if f & 0xFF != 9:
                return None
            if ln == -1:
                out.append("")
                continue
            out.append(d[p:p + ln].decode("utf-8", "replace"))
            p += ln
        return out
    best = None
    for p in range(0, min(len(d) - 8, 200)):
        if struct.unpack_from(">i", d, p)[0] & 0xFF == 16:
            try:
                r = parse(p)
            except struct.error:
                r = None
            if r and (best is None or len(r) > len(best)):
                best = r
    if best is None:
        raise ValueError("no character vector found")
    return best


def _r_index(rdx: bytes) -> dict[str, tuple[int, int]]:
    """name -> (offset, length) from the .rdx index (gzip- or zlib-compressed XDR): the 'variables' list of
    integer pairs and its names attribute."""
    d = gzip.decompress(rdx) if rdx[:2] == b"\x1f\x8b" else zlib.decompress(rdx[4:])
    pairs = [struct.unpack_from(">ii", d, m.start() + 8) for m in re.finditer(b"\x00\x00\x00\x0d\x00\x00\x00\x02", d)]
    names = re.findall(rb"\x00\x04\x00\x09\x00\x00\x00.([a-z]+)", d, re.S)
    names = [n.decode() for n in names if n not in (b"names", b"variables", b"references", b"compressed")]
    return dict(zip(names, pairs))


def austen(root: Path) -> dict[str, str]:
    base = root / "usr/lib/R/site-library/janeaustenr/data"
    rdb = (base / "Rdata.rdb").read_bytes()
    out = {}
    for name, (off, ln) in _r_index((base / "Rdata.rdx").read_bytes()).items():
        if name in AUSTEN_SKIP:
            continue
        lines = _r_strings(zlib.decompress(rdb[off + 4:off + ln]))
        out[f"austen_{name}"] = "\n".join(lines).strip() + "\n"
    return out


def web_bible(root: Path) -> str:
    mod = root / "usr/share/sword/modules/texts/ztext/engWEB2015eb"
    verses = []
    for t in ("ot", "nt"):
        bzs, bzz, bzv = ((mod / f"{t}.{e}").read_bytes() for e in ("bzs", "bzz", "bzv"))
        blocks = []
        for i in range(len(bzs) // 12):
            off, size, _ = struct.unpack_from("<III", bzs, i * 12)
            blocks.append(zlib.decompress(bzz[off:off + size]))
        for i in range(len(bzv) // 10):
            blk, off, size = struct.unpack_from("<IIH", bzv, i * 10)
            if size:
                verses.append(blocks[blk][off:off + size].decode("utf-8", "replace"))
    x = " ".join(verses)
    x = re.sub(r"<note\b.*?</note>", " ", x, flags=re.S)
    x = re.sub(r'<div [^>]*eID="[^"]*" type="x-p"/>|<chapter [^>]*/>|<title\b.*?</title>', "\n", x, flags=re.S)
    x = re.sub(r"<[^>]+>", "", x)
    x = x.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    lines = [" ".join(line.split()) for line in x.split("\n")]
    text = "\n\n".join(line for line in lines if len(line) > 1)
    start = text.find("In the beginning, God created")
    if start < 0:
        raise ValueError("Genesis 1:1 not found in the WEB text")
    return text[start:].strip() + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, required=True, help="folder where the .deb files were unpacked (dpkg -x)")
    ap.add_argument("--out", type=Path, required=True, help="corpus folder to add *.txt.xz to")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    books = {**austen(a.root), "web_bible": web_bible(a.root)}
    for name, text in sorted(books.items()):
        (a.out / f"{name}.txt.xz").write_bytes(lzma.compress(text.encode("utf-8"), preset=6))
        print(f"{name}: {len(text):,} characters, {len(text.split()):,} words")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds the tokenizer and the token cache used by tasks.py, train.py and evaluate.py.

Inputs: a corpus folder of UTF-8 books (*.txt, or *.txt.xz / *.txt.gz to keep the carried copy small) and
the wonderwords lists (nounlist.txt, adjectivelist.txt, verblist.txt). Nothing is read from ../shared, so the
script runs on the GPU machine from carried copies.

Output folder (the "data dir"):
  tokenizer.json, tokenizer_config.json   byte-level BPE, llama-3 pre-tokenizer, BOS/EOS (see make_tokenizer)
  tokens.npy                              uint16, every book encoded once, books back to back
  word_starts.npy                         int64 positions i whose token starts with ' ' + letter/digit
  sent_starts.npy                         positions i with token[i-1] == '.' and token[i] = ' ' + letter
  line_starts.npy                         positions i after a paragraph break or a sentence-ending newline, token[i] a
                                          letter/quote
  meta.json                               books (name, start, end, role), ids, hashes, word pools

Splitting a book only where a pre-token boundary is stable (after a newline, before non-whitespace) makes the
chunked encoding identical to encoding the whole book at once; tasks.py relies on the boundary arrays to splice
text into the token stream exactly as whole-text encoding would.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import lzma
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

BOS = "<|begin_of_text|>"
EOS = "<|end_of_text|>"
# The llama-3 pre-tokenizer regex (as in Meta's tokenizer.json; llama.cpp calls this pre-tokenizer "llama-bpe").
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
DEFAULT_VOCAB = 8192
HELDOUT_BOOK = "walden"
WORD_FILES = ("nounlist.txt", "adjectivelist.txt", "verblist.txt")
FORMAT_VERSION = 5


def log(msg: str) -> None:
    print(f"[build_data] {msg}", flush=True)


def read_text(path: Path) -> str:
    name = path.name
    if name.endswith(".xz"):
        raw = lzma.decompress(path.read_bytes())
    elif name.endswith(".gz"):
        raw = gzip.decompress(path.read_bytes())
    else:
        raw = path.read_bytes()
    return raw.decode("utf-8")


def book_name(path: Path) -> str:
    name = path.name
    for suffix in (".xz", ".gz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name[: -len(".txt")] if name.endswith(".txt") else name


def find_books(corpus: Path) -> list[Path]:
    if not corpus.is_dir():
        sys.exit(f"corpus folder not found: {corpus}")
    files = sorted(p for p in corpus.iterdir() if re.fullmatch(r".+\.txt(\.xz|\.gz)?", p.name))
    if not files:
        sys.exit(f"no *.txt / *.txt.xz / *.txt.gz books in {corpus}")
    names = [book_name(p) for p in files]
    if len(set(names)) != len(names):
        sys.exit(f"duplicate book names in {corpus}: {names}")
    return files


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split_stable(text: str, target: int = 4096) -> list[str]:
    """Chunks of about `target` characters, cut only after a newline and before non-whitespace: a boundary that the
    llama-3 regex never crosses, so concatenated chunk encodings equal the whole-text encoding."""
    cuts = [m.start() for m in re.finditer(r"(?<=\n)(?=\S)", text)]
    chunks, last = [], 0
    for c in cuts:
        if c - last >= target:
            chunks.append(text[last:c])
            last = c
    chunks.append(text[last:])
    return [c for c in chunks if c]


def make_tokenizer(train_texts: list[str], vocab_size: int):
    """Byte-level BPE with the llama-3 pre-tokenizer. The BPE vocabulary fills ids 0..vocab_size-3; BOS and EOS are
    the last two ids, as in llama-3 where the special tokens follow the BPE vocabulary."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - 2, min_frequency=2, show_progress=False, special_tokens=[],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet())

    def paragraphs():
        for text in train_texts:
            yield from split_stable(text, 2048)

    tok.train_from_iterator(paragraphs(), trainer=trainer)
    got = tok.get_vocab_size()
    if got != vocab_size - 2:
        sys.exit(f"BPE training produced {got} tokens, expected {vocab_size - 2}: corpus too small for this vocab")
    tok.add_special_tokens([BOS, EOS])
    bos, eos = tok.token_to_id(BOS), tok.token_to_id(EOS)
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(
            single=f"{BOS}:0 $A:0", pair=f"{BOS}:0 $A:0 {BOS}:1 $B:1", special_tokens=[(BOS, bos)]),
    ])
    # llama-3's tokenizer.json sets ignore_merges (a pre-token that is itself in the vocabulary is one token).
    spec = json.loads(tok.to_str())
    spec["model"]["ignore_merges"] = True
    return Tokenizer.from_str(json.dumps(spec))


def tokenizer_config(tok, max_len: int = 16384) -> dict:
    bos, eos = tok.token_to_id(BOS), tok.token_to_id(EOS)
    added = {str(i): {"content": c, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
                      "special": True} for i, c in ((bos, BOS), (eos, EOS))}
    return {
        "add_bos_token": True, "add_eos_token": False, "added_tokens_decoder": added,
        "bos_token": BOS, "eos_token": EOS, "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"], "model_max_length": max_len,
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


def token_flags(tok) -> tuple[np.ndarray, ...]:
    """Per token id: is exactly '.', starts with ' '+letter/digit ('word'), starts with ' '+letter ('sentence word'),
    ends with a newline, starts with a letter or quote (no space)."""
    v = tok.get_vocab_size()
    dot = np.zeros(v, bool); word = np.zeros(v, bool); sword = np.zeros(v, bool)
    nl_end = np.zeros(v, bool); bare = np.zeros(v, bool); alnum_end = np.zeros(v, bool)
    for i in range(v):
        s = tok.decode([i], skip_special_tokens=False)
        if tok.id_to_token(i) in (BOS, EOS):
            continue
        dot[i] = s == "."
        if len(s) >= 2 and s[0] == " ":
            word[i] = s[1].isalnum()
            sword[i] = s[1].isalpha()
        # a paragraph break, or a sentence end followed by a newline (not a hard-wrapped line inside a sentence)
        nl_end[i] = s.endswith("\n") and (s.count("\n") >= 2 or s.rstrip("\n").endswith((".", "!", "?", "\u201d", '"')))
        alnum_end[i] = len(s) >= 1 and s[-1].isalnum()
        bare[i] = len(s) >= 1 and (s[0].isalpha() or s[0] in "\"'\u201c\u2018")
    return dot, word, sword, nl_end, bare, alnum_end


def word_pools(words_dir: Path) -> dict:
    """Lower-case alphabetic words only; every 8th word of each list (by sorted position) is held out for
    evaluation, so training never sees an evaluation activity's words."""
    pools = {}
    for fname in WORD_FILES:
        path = words_dir / fname
        if not path.is_file():
            sys.exit(f"word list not found: {path}")
        words = sorted({w.strip() for w in path.read_text("utf-8").splitlines() if re.fullmatch(r"[a-z]{3,12}", w.strip())})
        key = fname.replace("list.txt", "s")  # nouns, adjectives, verbs
        pools[key] = {"train": [w for i, w in enumerate(words) if i % 8 != 3],
                      "heldout": [w for i, w in enumerate(words) if i % 8 == 3]}
    return pools


def book_words(texts: dict, heldout_book: str, pools: dict, min_count: int = 2) -> list[str]:
    """Lower-case words (3 to 12 letters) that occur at least min_count times in the training books, minus every
    held-out word-list word: extra activity words, so that the model learns to copy any word rather than to
    recall the word lists' training words (version 1 of the model did the latter and failed on held-out words)."""
    counts: dict[str, int] = {}
    for name, text in texts.items():
        if name == heldout_book:
            continue
        for w in re.findall(r"(?<![A-Za-z])[a-z]{3,12}(?![A-Za-z])", text):
            counts[w] = counts.get(w, 0) + 1
    held = {w for v in pools.values() for w in v["heldout"]}
    return sorted(w for w, c in counts.items() if c >= min_count and w not in held)


def build(corpus: Path, words: Path, out: Path, tokenizer_path: Path | None, vocab_size: int,
          heldout_book: str = HELDOUT_BOOK, force: bool = False) -> Path:
    from tokenizers import Tokenizer

    t0 = time.time()
    files = find_books(corpus)
    texts = {book_name(p): read_text(p) for p in files}
    if heldout_book not in texts:
        sys.exit(f"held-out book '{heldout_book}' not in corpus {corpus} (books: {sorted(texts)})")
    corpus_hash = sha256_bytes("".join(f"{k}:{sha256_bytes(v.encode())};" for k, v in sorted(texts.items())).encode())
    words_hash = sha256_bytes(b"".join((words / f).read_bytes() for f in WORD_FILES if (words / f).is_file()))
    tok_hash_in = sha256_bytes(tokenizer_path.read_bytes()) if tokenizer_path else None

    meta_path = out / "meta.json"
    if meta_path.is_file() and not force:
        meta = json.loads(meta_path.read_text())
        if (meta.get("format") == FORMAT_VERSION and meta.get("corpus_sha256") == corpus_hash
                and meta.get("words_sha256") == words_hash and meta.get("heldout_book") == heldout_book
                and (tok_hash_in is None or meta.get("tokenizer_sha256") == tok_hash_in)
                and (tok_hash_in is not None or meta.get("vocab_size") == vocab_size)):
            log(f"data dir {out} is up to date")
            return out
    out.mkdir(parents=True, exist_ok=True)

    if tokenizer_path:
        tok = Tokenizer.from_file(str(tokenizer_path))
        log(f"using tokenizer {tokenizer_path} ({tok.get_vocab_size()} tokens)")
    else:
        train_texts = [texts[k] for k in sorted(texts) if k != heldout_book]
        tok = make_tokenizer(train_texts, vocab_size)
        log(f"trained BPE tokenizer: {tok.get_vocab_size()} tokens in {time.time() - t0:.1f}s")
    bos, eos = tok.token_to_id(BOS), tok.token_to_id(EOS)
    if bos is None or eos is None:
        sys.exit(f"tokenizer lacks {BOS} / {EOS}")
    if tok.get_vocab_size() > 65535:
        sys.exit("vocabulary too large for the uint16 token cache")
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(tok), indent=2) + "\n")

    t1 = time.time()
    names = sorted(texts)
    arrays, books, pos = [], [], 0
    for name in names:
        chunks = split_stable(texts[name])
        ids = np.fromiter((i for e in tok.encode_batch(chunks, add_special_tokens=False) for i in e.ids), dtype=np.uint16)
        books.append({"name": name, "start": pos, "end": pos + len(ids), "chars": len(texts[name]),
                      "role": "heldout" if name == heldout_book else "train"})
        arrays.append(ids)
        pos += len(ids)
    tokens = np.concatenate(arrays)
    log(f"encoded {len(names)} books: {len(tokens)} tokens in {time.time() - t1:.1f}s")

    dot, word, sword, nl_end, bare, alnum_end = token_flags(tok)
    prev = np.concatenate([[bos], tokens[:-1]]).astype(np.int64)
    prev2 = np.concatenate([[bos, bos], tokens[:-2]]).astype(np.int64)
    cur = tokens.astype(np.int64)
    first = np.zeros(len(tokens), bool)
    first[[b["start"] for b in books]] = True  # never splice across the start of a book
    word_starts = np.flatnonzero(word[cur] & ~first)
    # the '.' must follow a word ("end." not ")."): then '.' + '\n...' re-encodes as whole text would
    sent_starts = np.flatnonzero(dot[prev] & alnum_end[prev2] & sword[cur] & ~first)
    line_starts = np.flatnonzero(nl_end[prev] & bare[cur] & ~first)
    np.save(out / "tokens.npy", tokens)
    np.save(out / "word_starts.npy", word_starts)
    np.save(out / "sent_starts.npy", sent_starts)
    np.save(out / "line_starts.npy", line_starts)

    pools = word_pools(words)
    meta = {
        "format": FORMAT_VERSION, "corpus_sha256": corpus_hash, "words_sha256": words_hash,
        "tokenizer_sha256": sha256_bytes((out / "tokenizer.json").read_bytes()),
        "vocab_size": tok.get_vocab_size(), "bos_id": bos, "eos_id": eos, "heldout_book": heldout_book,
        "books": books, "n_tokens": int(len(tokens)), "words": pools,
        "book_words": book_words(texts, heldout_book, pools),
        "counts": {"word_starts": int(len(word_starts)), "sent_starts": int(len(sent_starts)),
                   "line_starts": int(len(line_starts))},
    }
    tmp = out / "meta.json.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, meta_path)
    log(f"data dir {out} ready in {time.time() - t0:.1f}s: {meta['counts']}")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="folder of *.txt / *.txt.xz / *.txt.gz books")
    ap.add_argument("--words", type=Path, required=True, help="folder with nounlist.txt, adjectivelist.txt, verblist.txt")
    ap.add_argument("--out", type=Path, required=True, help="data dir to (re)build")
    ap.add_argument("--tokenizer", type=Path, help="reuse this tokenizer.json instead of training one")
    ap.add_argument("--vocab-size", type=int, default=DEFAULT_VOCAB)
    ap.add_argument("--heldout-book", default=HELDOUT_BOOK)
    ap.add_argument("--force", action="store_true", help="rebuild even if meta.json matches")
    a = ap.parse_args(argv)
    if not 4096 <= a.vocab_size <= 16384:
        sys.exit("--vocab-size must be within 4096..16384")
    build(a.corpus, a.words, a.out, a.tokenizer, a.vocab_size, a.heldout_book, a.force)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Where does a model's held-out perplexity come from? CPU diagnostic for issue 20 (version 3's Walden perplexity).

Reports, for the same model: perplexity on windows of the held-out book (Walden, tokens exactly as `evaluate.py`
takes them from the data dir), on block 0 of training books (never in the loss with --lm-holdout K --lm-rotate 0),
and on any text files given (e.g. a licence text or a project doc: English the model never saw), each at several
softmax temperatures; the share of tokens costing more than 10 nats and the mean top-1 probability; and, as a
scale, an interpolated bigram of the training books on the same Walden tokens.

  python3 tools/train/ppl_probe.py --model HF_DIR --data-dir DATA_DIR [--books austen_emma,moby_dick] [--text FILE ...]

If the held-out book looked unlike training text in form (headers, line breaks, BOS), it alone would be bad; if any
unseen text is bad while unseen blocks of training books are fine, the model has memorised its books instead.
"""
from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tasks  # noqa: E402

TEMPS = (1.0, 1.5, 2.0, 3.0, 4.0)


def bigram_ppl(corpus: tasks.Corpus, held: np.ndarray, lam: float = 0.7) -> float:
    """Jelinek-Mercer bigram (lam) over an add-0.5 unigram, both counted on the training books."""
    v = corpus.meta["vocab_size"]
    tr = np.concatenate([np.asarray(corpus.tokens[b["start"]:b["end"]], np.int64) for b in corpus.train_books])
    uni = np.bincount(tr, minlength=v) + 0.5
    uni = uni / uni.sum()
    pairs = Counter(zip(tr[:-1].tolist(), tr[1:].tolist()))
    first = np.bincount(tr[:-1], minlength=v)
    p = [lam * pairs.get((a, b), 0) / max(first[a], 1) + (1 - lam) * uni[b] for a, b in zip(held[:-1].tolist(), held[1:].tolist())]
    return math.exp(-float(np.mean(np.log(p))))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="Hugging Face folder")
    ap.add_argument("--data-dir", type=Path, required=True, help="data dir of build_data.py (same tokenizer)")
    ap.add_argument("--window", type=int, default=1024)
    ap.add_argument("--walden-windows", type=int, default=4, help="windows spread evenly over the held-out book")
    ap.add_argument("--books", default="austen_emma,moby_dick", help="training books whose block 0 is probed")
    ap.add_argument("--text", type=Path, nargs="*", default=[], help="other text files (first window of each)")
    a = ap.parse_args(argv)
    from tokenizers import Tokenizer
    from transformers import LlamaForCausalLM
    model = LlamaForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    tok = Tokenizer.from_file(str(a.model / "tokenizer.json"))
    corpus = tasks.Corpus(a.data_dir)
    hb = corpus.heldout
    hay = np.asarray(corpus.tokens[hb["start"]:hb["end"]], np.int64)
    n = a.window - 1
    step = max(n, (len(hay) - n) // max(1, a.walden_windows))
    sets = {hb["name"]: [hay[i:i + n] for i in range(0, len(hay) - n, step)][:a.walden_windows]}
    for name in filter(None, a.books.split(",")):
        b = corpus.book(name)
        sets[f"{name} block 0"] = [np.asarray(corpus.tokens[b["start"]:b["start"] + n], np.int64)]
    for f in a.text:
        sets[f.name] = [np.asarray(tok.encode(f.read_text("utf-8", errors="replace"), add_special_tokens=False).ids[:n], np.int64)]
    print("| text | tokens | " + " | ".join(f"T = {t:g}" for t in TEMPS) + " | > 10 nats (T = 1) | mean top-1 p |")
    print("|---" * (len(TEMPS) + 4) + "|")
    for name, segs in sets.items():
        outs = []
        with torch.no_grad():
            for s in segs:
                x = torch.tensor([[corpus.bos] + s.tolist()])
                outs.append((model(input_ids=x).logits[0, :-1].float(), x[0, 1:]))
        ppl = [math.exp(float(torch.cat([F.cross_entropy(lg / t, y, reduction="none") for lg, y in outs]).mean())) for t in TEMPS]
        nll = torch.cat([F.cross_entropy(lg, y, reduction="none") for lg, y in outs])
        top = torch.cat([lg.softmax(-1).max(-1).values for lg, _ in outs])
        print(f"| {name} | {len(nll)} | " + " | ".join(f"{p:,.0f}" for p in ppl)
              + f" | {100 * float((nll > 10).float().mean()):.0f} % | {float(top.mean()):.2f} |", flush=True)
    print(f"interpolated bigram of the training books (lam 0.7) on the first 131 072 tokens of {hb['name']}: "
          f"perplexity {bigram_ppl(corpus, hay[:131072]):,.0f}")


if __name__ == "__main__":
    main()

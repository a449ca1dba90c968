#!/usr/bin/env python3
"""PyTorch evaluation of a checkpoint (or Hugging Face folder) on held-out material, greedy decoding.

Suites
  quick  NIAH at 1K/4K/8K x 5 depths, multi-key (3 distractors) at 4K: a few seconds, used during training
  quick also reports Walden perplexity on 8 windows and, for version 3 runs, multi-hop at 4K (3 samples).
  full   NIAH at 1K/2K/4K/8K/16K x 10 depths (the paper's 0, 11, ..., 100 %) x --per-cell needles;
         the paper's own needle (San Francisco / Dolores Park) at 1K..8K x 10 depths; multi-key with 3 distractors
         at 4K; multi-value and variable tracking at 4K; the held-out phrasing family at 4K; the "4 sink + last 64
         tokens" attention mask at 4K; perplexity and bits per byte on Walden; version 3's tasks at 4K (multi-hop with
         distractor chains, paraphrased questions, reverse look-up, counting); the spread (--spread-per-cell > 0):
         NIAH exact rate at 4K when only one layer (each in turn), or every layer, keeps a SnapKV cache of B = 64
         tokens (attention.py, as the Java engine's token-level snapkv), prefill full

NIAH construction (the paper's, method notes 3.2 / 7.2): Walden tokens from a seeded offset, trimmed to the context
length; a 200-token buffer (target = length - 200; the haystack is cut to target - |needle| when needed); insertion
at floor(|haystack| * depth / 100), moved back until the preceding token is '.'; the needle "\\n{sentence}\\n";
tokens decoded back to text; prompt = BOS "This is a very long story book: <book> {context} </book>.\\n Based on the
content of the book, Question: {question}\\nAnswer:" encoded as a whole. Needles use held-out places and activities
made of held-out words (tasks.Pools 'heldout').

Scoring: the answer is the generated text up to EOS or the first newline; "exact" when it equals the expected
answer after lower-casing, collapsing spaces and dropping one trailing period. "contains" when the expected answer
occurs in the first line. Results are written as JSON (--out).
"""
from __future__ import annotations

import time

T0 = time.time()

import argparse
import json
import math
import zlib
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tasks  # noqa: E402

PAPER_DEPTHS = [0, 11, 22, 33, 44, 56, 67, 78, 89, 100]
PAPER_NEEDLE = ("San Francisco", "eat a sandwich and sit in Dolores Park on a sunny day")
SINK_TOKENS, WINDOW_TOKENS = 4, 64
EVAL_SEED = 20240917


def normalize(s: str) -> str:
    s = " ".join(s.strip().lower().split())
    return s[:-1].rstrip() if s.endswith(".") else s


def first_line(s: str) -> str:
    return s.lstrip(" ").split("\n")[0]


# -- the "4 sink + last 64 tokens" attention ------------------------------------------------------------------------
def _sink_window_attention(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    q_len, k_len = query.shape[2], key.shape[2]
    dev = query.device
    qpos = torch.arange(k_len - q_len, k_len, device=dev)[:, None]
    kpos = torch.arange(k_len, device=dev)[None, :]
    allowed = (kpos <= qpos) & ((kpos < SINK_TOKENS) | (kpos > qpos - WINDOW_TOKENS))
    rep = query.shape[1] // key.shape[1]
    if rep > 1:
        key = key.repeat_interleave(rep, dim=1)
        value = value.repeat_interleave(rep, dim=1)
    out = F.scaled_dot_product_attention(query, key, value, attn_mask=allowed, scale=scaling)
    return out.transpose(1, 2).contiguous(), None


def register_sink_window() -> str:
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register("sink_window", _sink_window_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register("sink_window", sdpa_mask)
    return "sink_window"


class attention_mode:
    """Context manager switching a model's attention implementation (e.g. to 'sink_window')."""

    def __init__(self, model, name: str):
        self.model, self.name = model, name

    def __enter__(self):
        self.old = self.model.config._attn_implementation
        self.model.config._attn_implementation = self.name
        return self.model

    def __exit__(self, *exc):
        self.model.config._attn_implementation = self.old


class Evaluator:
    def __init__(self, model, tokenizer, corpus: tasks.Corpus, device, seed: int = EVAL_SEED, max_new: int = 48):
        self.model, self.tok, self.corpus, self.device = model, tokenizer, corpus, device
        self.seed, self.max_new = seed, max_new
        self.factory = tasks.TaskFactory(corpus, tokenizer, "heldout")
        self.pools = self.factory.pools
        hb = corpus.heldout
        self.hay = np.asarray(corpus.tokens[hb["start"]:hb["end"]], np.int64)
        self.hay_words = np.asarray(corpus.word_starts[np.searchsorted(corpus.word_starts, hb["start"]):
                                                       np.searchsorted(corpus.word_starts, hb["end"])], np.int64) - hb["start"]
        self.dot_id = tokenizer.token_to_id(".")
        self.stop_ids = {corpus.eos} | {i for i in range(tokenizer.get_vocab_size())
                                        if "\n" in tokenizer.decode([i], skip_special_tokens=False)}
        self.autocast = device.type == "cuda"

    # -- decoding -----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, ids: list[int], max_new: int | None = None) -> str:
        max_new = max_new or self.max_new
        x = torch.tensor([ids], device=self.device)
        out_ids = []
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            out = self.model(input_ids=x, use_cache=True, logits_to_keep=1)
            for _ in range(max_new):
                nxt = int(out.logits[0, -1].argmax())
                out_ids.append(nxt)
                if nxt in self.stop_ids:
                    break
                out = self.model(input_ids=torch.tensor([[nxt]], device=self.device),
                                 past_key_values=out.past_key_values, use_cache=True)
        return self.tok.decode(out_ids, skip_special_tokens=True)

    @staticmethod
    def score(generated: str, expected: str) -> dict:
        line = first_line(generated)
        return {"exact": normalize(line) == normalize(expected), "contains": normalize(expected) in normalize(line)}

    # -- the paper's NIAH -----------------------------------------------------------------------------------------
    def niah_prompt(self, rng, length: int, depth: float, needles: list[str], question: str,
                    distractor_depths: list[float] | None = None) -> list[int]:
        """needles[0] goes to `depth` (percent); the others to distractor_depths (percent, or random)."""
        need = [np.asarray(self.tok.encode("\n" + n + "\n", add_special_tokens=False).ids, np.int64) for n in needles]
        i0 = np.searchsorted(self.hay_words, 0)
        i1 = np.searchsorted(self.hay_words, len(self.hay) - length - 1)
        off = int(self.hay_words[rng.integers(i0, max(i1, i0 + 1))])
        hay = self.hay[off:off + length]
        target = length - 200
        total = sum(len(n) for n in need)
        if len(hay) + total > target:
            hay = hay[:target - total]
        depths = [depth] + (distractor_depths if distractor_depths is not None
                            else [float(rng.uniform(0, 100)) for _ in needles[1:]])
        # distractors first, the target last, so that the target lands exactly at its depth
        for n, d in list(zip(need, depths))[1:] + [(need[0], depths[0])]:
            pos = len(hay) if d >= 100 else int(len(hay) * d / 100)
            while pos > 0 and d < 100 and hay[pos - 1] != self.dot_id:
                pos -= 1
            hay = np.concatenate([hay[:pos], n, hay[pos:]])
        context = self.tok.decode(hay.tolist(), skip_special_tokens=False).strip()
        prompt = f"{tasks.PAPER_PREFIX} {context}{tasks.PAPER_QUESTION.format(q=question)}"
        return self.tok.encode(prompt, add_special_tokens=True).ids

    def best_needle(self, rng, family=None) -> tuple[str, str, str, str]:
        s, q, a = family or tasks.TRAIN_FAMILIES["best"]
        place = self.pools.places[rng.integers(len(self.pools.places))]
        act = tasks.activity(rng, self.pools)
        return s.format(K=place, V=act), q.format(K=place), a.format(V=act), place

    def niah(self, lengths, depths, per_cell: int, n_distractors: int = 0, family=None, fixed=None,
             tag: str = "niah") -> dict:
        cells, details = {}, []
        for L in lengths:
            for d in depths:
                hits = []
                for j in range(per_cell):
                    rng = np.random.default_rng([self.seed, L, int(d), j, n_distractors, zlib.crc32(tag.encode()) % 1000])
                    if fixed:
                        place, act = fixed
                        s, q, a = tasks.TRAIN_FAMILIES["best"]
                        sent, ques, ans = s.format(K=place, V=act), q.format(K=place), a.format(V=act)
                        others = []
                    else:
                        sent, ques, ans, place = self.best_needle(rng, family)
                        others, seen = [], {place}
                        while len(others) < n_distractors:
                            s2, _, _, p2 = self.best_needle(rng, family)
                            if p2 not in seen:
                                seen.add(p2)
                                others.append(s2)
                    ids = self.niah_prompt(rng, L, d, [sent] + others, ques)
                    gen = self.generate(ids)
                    sc = self.score(gen, ans)
                    hits.append(sc["exact"])
                    details.append({"length": L, "depth": d, "prompt_tokens": len(ids), "expected": ans,
                                    "generated": first_line(gen), **sc})
                cells[f"{L}/{d}"] = float(np.mean(hits))
        by_len = {str(L): float(np.mean([v for k, v in cells.items() if k.startswith(f"{L}/")])) for L in lengths}
        return {"task": tag, "accuracy": float(np.mean(list(cells.values()))), "by_length": by_len,
                "cells": cells, "min_cell": float(min(cells.values())), "samples": details}

    # -- other held-out tasks, built with the training composer on Walden (held-out pools) ---------------------------
    def composed(self, n: int, length: int, make_groups, tag: str, set_match: bool = False) -> dict:
        hits, partial, details = [], [], []
        for j in range(n):
            rng = np.random.default_rng([self.seed, length, j, zlib.crc32(tag.encode()) % 1000])
            used: set = set()
            groups = make_groups(rng, used)
            q, a = groups[0].qas[0]
            out = self.factory.compose(rng, length, groups, [(q, a)], "paper", book=self.corpus.heldout)
            if out is None:
                raise RuntimeError(f"{tag}: sample does not fit in {length} tokens")
            ids, cats = out
            cut = int(np.flatnonzero(cats == tasks.CAT_ANSWER)[0])
            gen = self.generate(ids[:cut].tolist())
            sc = self.score(gen, a)
            if set_match:
                want = {x.strip() for x in normalize(a).split(",")}
                got = {x.strip() for x in normalize(first_line(gen)).split(",")}
                sc["set_exact"] = want == got
                sc["recall"] = len(want & got) / len(want)
                partial.append(sc["recall"])
            hits.append(sc["set_exact"] if set_match else sc["exact"])
            details.append({"expected": a, "generated": first_line(gen), **sc})
        res = {"task": tag, "length": length, "n": n, "accuracy": float(np.mean(hits)), "samples": details}
        if set_match:
            res["mean_recall"] = float(np.mean(partial))
        return res

    def multivalue(self, n: int, length: int) -> dict:
        return self.composed(n, length, lambda rng, used: [tasks.multivalue_group(rng, self.pools, int(rng.integers(2, 5)), used)]
                             + [tasks.single_fact(rng, self.pools, tasks.TRAIN_FAMILIES["magic"], "magic", used) for _ in range(2)],
                             "multivalue", set_match=True)

    def vartrack(self, n: int, length: int) -> dict:
        return self.composed(n, length, lambda rng, used: [tasks.vartrack_group(rng, 4, used), tasks.vartrack_group(rng, 4, used)],
                             "vartrack", set_match=True)

    def v3_task(self, n: int, length: int, kind: str) -> dict:
        """Version 3's tasks on Walden with held-out entities: the tested group first (it is the one asked), then
        distractors as in training (tasks.TaskFactory.draw_v3_groups)."""
        def make(rng, used):
            groups = self.factory.draw_v3_groups(rng, length, kind, int(rng.integers(2, 9)), None, used)
            return groups
        return self.composed(n, length, make, kind)

    def spread(self, per_cell: int, length: int = 4096, budget: int = 64) -> dict:
        """NIAH exact rate with SnapKV (B = budget) in no layer, every layer, and each single layer."""
        import attention
        attention.register()
        n_layers = self.model.config.num_hidden_layers
        attention.SELECT["budget"] = budget
        conds = [("none", set()), ("all", set(range(n_layers)))] + [(f"L{i}", {i}) for i in range(n_layers)]
        res = {}
        with attention_mode(self.model, "ckv_select"):
            for name, layers in conds:
                attention.SELECT["layers"] = layers
                r = self.niah([length], PAPER_DEPTHS, per_cell, tag="niah")
                res[name] = r["accuracy"]
                print(f"[evaluate] spread {name}: {r['accuracy']:.3f}", flush=True)
        attention.SELECT["layers"] = set()
        lost_all = res["none"] - res["all"]
        per_layer = {f"L{i}": res["none"] - res[f"L{i}"] for i in range(n_layers)}
        worst = max(per_layer.values())
        return {"task": "spread", "length": length, "budget": budget, "per_cell": per_cell, "exact": res,
                "lost_all_layers": lost_all, "lost_per_layer": per_layer, "worst_layer": max(per_layer, key=per_layer.get),
                "worst_share_of_all": worst / lost_all if lost_all > 0 else None, "accuracy": res["all"]}

    def heldout_phrasing(self, n: int, length: int) -> dict:
        return self.composed(n, length, lambda rng, used: [tasks.single_fact(rng, self.pools, tasks.HELDOUT_FAMILY, "heldout", used)],
                             "heldout_phrasing")

    # -- perplexity -------------------------------------------------------------------------------------------------
    @torch.no_grad()
    def perplexity(self, window: int = 2048, max_windows: int = 64) -> dict:
        nll, count, nbytes = 0.0, 0, 0
        n_win = min(max_windows, (len(self.hay) - 1) // (window - 1))
        for w in range(n_win):
            seg = self.hay[w * (window - 1):(w + 1) * (window - 1)]
            x = torch.tensor([[self.corpus.bos] + seg.tolist()], device=self.device)
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
                logits = self.model(input_ids=x).logits[0, :-1].float()
            nll += float(F.cross_entropy(logits, x[0, 1:], reduction="sum"))
            count += len(seg)
            nbytes += len(self.tok.decode(seg.tolist(), skip_special_tokens=False).encode("utf-8"))
        return {"task": "perplexity", "book": self.corpus.heldout["name"], "window": window, "windows": n_win,
                "tokens": count, "nll_per_token": nll / count, "perplexity": math.exp(nll / count),
                "bits_per_byte": nll / math.log(2) / nbytes}

    # -- suites -------------------------------------------------------------------------------------------------------
    def quick(self, max_len: int = 8192, v3: bool = False) -> dict:
        t = time.time()
        lengths = [L for L in (1024, 4096, 8192, 16384) if L <= max_len]
        r = {"niah": self.niah(lengths, [0, 25, 50, 75, 100], 1),
             "multikey_4k": self.niah([min(4096, max_len)], [10, 50, 90], 1, n_distractors=3, tag="multikey")}
        out = {"niah_by_length": r["niah"]["by_length"], "niah": r["niah"]["accuracy"],
               "multikey_4k": r["multikey_4k"]["accuracy"]}
        if v3:
            out["multihop_4k"] = self.v3_task(4, min(4096, max_len), "multihop")["accuracy"]
            out["paraphrase_4k"] = self.v3_task(4, min(4096, max_len), "paraphrase")["accuracy"]
            out["walden_ppl8"] = round(self.perplexity(max_windows=8)["perplexity"], 1)
        out.update(seconds=round(time.time() - t, 1), example=r["niah"]["samples"][-1])
        return out

    def full(self, per_cell: int, lengths=(1024, 2048, 4096, 8192, 16384), n_tasks: int = 50, spread_per_cell: int = 0,
             v3: bool = False) -> dict:
        res = {}
        timings = {}

        def run(name, fn):
            t = time.time()
            res[name] = fn()
            timings[name] = round(time.time() - t, 1)
            summary = {k: v for k, v in res[name].items() if k not in ("samples", "cells")}
            print(f"[evaluate] {name}: {json.dumps(summary)} ({timings[name]}s)", flush=True)

        run("niah", lambda: self.niah(list(lengths), PAPER_DEPTHS, per_cell))
        run("paper_needle", lambda: self.niah([L for L in lengths if L <= 8192], PAPER_DEPTHS, 1, fixed=PAPER_NEEDLE, tag="paper_needle"))
        run("multikey_4k", lambda: self.niah([4096], PAPER_DEPTHS, max(1, n_tasks // 10), n_distractors=3, tag="multikey"))
        run("multivalue_4k", lambda: self.multivalue(n_tasks, 4096))
        run("vartrack_4k", lambda: self.vartrack(n_tasks, 4096))
        run("heldout_phrasing_4k", lambda: self.heldout_phrasing(n_tasks, 4096))
        if v3:
            for kind in tasks.V3_KINDS:
                run(f"{kind}_4k", lambda kind=kind: self.v3_task(n_tasks, 4096, kind))
        if spread_per_cell > 0:
            run("spread_4k", lambda: self.spread(spread_per_cell))
        name = register_sink_window()
        with attention_mode(self.model, name):
            run("sink4_last64_4k", lambda: self.niah([4096], PAPER_DEPTHS, per_cell, tag="niah"))
        run("perplexity", lambda: self.perplexity())
        res["timings_s"] = timings
        return res


def load_any(path: Path, device):
    """A checkpoint folder (state.json) or a Hugging Face folder (config.json) → (model, tokenizer path, info)."""
    from checkpoint import load_model
    if (path / "state.json").is_file():
        model, state = load_model(path, device)
        return model, path / "tokenizer.json", {"step": state["step"], "source": "checkpoint"}
    if (path / "config.json").is_file():
        from transformers import LlamaForCausalLM
        model = LlamaForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="sdpa").to(device).eval()
        return model, path / "tokenizer.json", {"source": "hf"}
    sys.exit(f"{path}: neither a checkpoint folder (state.json) nor a Hugging Face folder (config.json)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="checkpoint folder or Hugging Face folder")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/ckv-train-data"))
    ap.add_argument("--corpus", type=Path, help="build the data dir from this corpus if needed")
    ap.add_argument("--words", type=Path, help="word lists folder (with --corpus)")
    ap.add_argument("--suite", choices=["quick", "full", "spread"], default="full",
                    help="spread: only the per-layer SnapKV spread at 4K (--spread-per-cell needles per depth)")
    ap.add_argument("--per-cell", type=int, default=5, help="needles per (length, depth) cell")
    ap.add_argument("--lengths", default="1024,2048,4096,8192,16384")
    ap.add_argument("--tasks-n", type=int, default=50, help="samples for multi-key/multi-value/vartrack/phrasing")
    ap.add_argument("--out", type=Path, help="write results JSON here")
    ap.add_argument("--v3", action="store_true", help="also version 3's tasks (multi-hop, paraphrase, reverse, count)")
    ap.add_argument("--spread-per-cell", type=int, default=0,
                    help="full suite: needles per depth for the per-layer SnapKV spread at 4K (0: skip)")
    a = ap.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, tok_path, info = load_any(a.model, device)
    if a.corpus:
        import build_data
        build_data.build(a.corpus, a.words or a.corpus.parent / "words", a.data_dir, tok_path, model.config.vocab_size)
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(tok_path))
    corpus = tasks.Corpus(a.data_dir)
    if corpus.meta["tokenizer_sha256"] != __import__("hashlib").sha256(tok_path.read_bytes()).hexdigest():
        sys.exit(f"data dir {a.data_dir} was built with another tokenizer than {tok_path}: pass --corpus to rebuild")
    ev = Evaluator(model, tok, corpus, device)
    lengths = [int(x) for x in a.lengths.split(",")]
    if a.suite == "spread":
        res = {"spread_4k": ev.spread(max(1, a.spread_per_cell))}
    else:
        res = ev.quick(max(lengths), a.v3) if a.suite == "quick" else ev.full(a.per_cell, lengths, a.tasks_n, a.spread_per_cell, a.v3)
    res["model"] = {"path": str(a.model), **info, "parameters": sum(p.numel() for p in model.parameters())}
    res["seconds"] = round(time.time() - T0, 1)
    text = json.dumps(res, indent=1)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text)
    headline = {k: (v.get("accuracy") if isinstance(v, dict) and "accuracy" in v else v) for k, v in res.items()
                if k not in ("model",)}
    print("[evaluate] summary " + json.dumps(headline, default=str)[:2000], flush=True)


if __name__ == "__main__":
    main()

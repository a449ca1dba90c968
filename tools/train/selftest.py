#!/usr/bin/env python3
"""CPU self-test of the training tools (about a minute on 2 cores; needs torch, transformers, tokenizers, numpy).

  python3 tools/train/selftest.py --corpus ../shared/data/corpus --words ../shared/data/words

Checks: samples are token-exact (decoding and re-encoding gives the same ids) for every task kind and several
lengths, held-out entities never reach training samples, the curriculum parser, checkpoint shards stay within the
size limit and round-trip, moment quantization error bounds, the "4 sink + last 64" mask isolates far tokens, and a
tiny training run resumed from a snapshot reproduces the uninterrupted run's losses.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import build_data  # noqa: E402
import checkpoint as ck  # noqa: E402
import tasks  # noqa: E402

ARGS = None
TINY = ["--layers", "2", "--hidden", "64", "--heads", "4", "--kv-heads", "1", "--ffn", "128"]


class ToolsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from tokenizers import Tokenizer
        cls.tmp = Path(tempfile.mkdtemp(prefix="ckv-selftest-"))
        cls.data = build_data.build(ARGS.corpus, ARGS.words, cls.tmp / "data", None, 8192)
        cls.tok = Tokenizer.from_file(str(cls.data / "tokenizer.json"))
        cls.corpus = tasks.Corpus(cls.data)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_samples_are_token_exact(self):
        f = tasks.TaskFactory(self.corpus, self.tok, "train")
        for kind in ["qa", "multivalue", "vartrack", "passkey", "lm"]:
            for L in [256, 1024, 4096]:
                for r in range(4):
                    ids, cats = f.sample(np.random.default_rng([L, r, len(kind)]), L, kind)
                    self.assertEqual(len(ids), L)
                    self.assertEqual(ids[0], self.corpus.bos)
                    content = np.flatnonzero((ids != self.corpus.eos) | (cats == tasks.CAT_ANSWER))
                    end = int(content[-1]) + 1
                    body = ids[1:end - (0 if kind == "lm" else 1)].tolist()
                    text = self.tok.decode(body, skip_special_tokens=False)
                    self.assertEqual(self.tok.encode(text, add_special_tokens=False).ids, body, f"{kind} {L} {r}")
                    if kind != "lm":
                        self.assertEqual(ids[end - 1], self.corpus.eos)
                        self.assertTrue((cats == tasks.CAT_ANSWER).any())

    def test_v3_samples_are_token_exact_and_answerable(self):
        f = tasks.TaskFactory(self.corpus, self.tok, "train")
        self.corpus.lm_holdout = (4, 1)
        try:
            for kind in tasks.V3_KINDS + ("lm",):
                for L in [512, 2048]:
                    for r in range(4):
                        ids, cats = f.sample(np.random.default_rng([L, r, len(kind), 3]), L, kind)
                        self.assertEqual(len(ids), L)
                        content = np.flatnonzero((ids != self.corpus.eos) | (cats == tasks.CAT_ANSWER))
                        end = int(content[-1]) + 1
                        body = ids[1:end - (0 if kind == "lm" else 1)].tolist()
                        text = self.tok.decode(body, skip_special_tokens=False)
                        self.assertEqual(self.tok.encode(text, add_special_tokens=False).ids, body, f"{kind} {L} {r}")
                        if kind != "lm":
                            self.assertTrue((cats == tasks.CAT_ANSWER).any())
            # held-out blocks: some text tokens are CAT_HELD, never in the loss
            ids, cats = f.sample(np.random.default_rng(5), 8192, "lm")
            self.assertTrue((cats == tasks.CAT_HELD).any() and (cats == tasks.CAT_LM).any())
        finally:
            self.corpus.lm_holdout = (0, 0)
        used = set()
        rng = np.random.default_rng(1)
        g = tasks.multihop_group(rng, f.pools, used, ("friend", "lives", "best"))
        self.assertEqual(len(g.sentences), 3)
        bridge = g.sentences[0].split(" is ")[-1].rstrip(".")
        self.assertTrue(g.sentences[1].startswith(bridge + " lives in "))
        place = g.sentences[1].split(" lives in ")[1].rstrip(".")
        self.assertTrue(g.sentences[2].startswith(f"The best thing to do in {place} is "))
        self.assertEqual(g.qas[0][1], g.sentences[2].split(" is ", 1)[1])

    def test_growth_is_identity_and_local_attention_matches_the_mask(self):
        import attention
        import train
        cfg = {"vocab_size": 8192, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
               "num_attention_heads": 4, "num_key_value_heads": 1, "max_position_embeddings": 1024,
               "rope_theta": 500000.0, "bos_token_id": 8190, "eos_token_id": 8191}
        torch.manual_seed(0)
        small = ck.build_model(cfg).eval()
        big = ck.build_model({**cfg, "num_hidden_layers": 4, "init_seed": 7}).eval()
        sd = train.grow_state_dict(small.state_dict(), big.state_dict(), [0, 1])
        big.load_state_dict(sd, strict=False)
        x = torch.randint(0, 8000, (1, 100))
        with torch.no_grad():
            self.assertLess(float((small(input_ids=x).logits - big(input_ids=x).logits).abs().max()), 1e-5)
        # local attention == dense attention under the "4 sinks + last W" mask
        q, k, v = torch.randn(2, 4, 150, 16), torch.randn(2, 2, 150, 16), torch.randn(2, 2, 150, 16)
        out = attention.local_attention(q, k, v, 0.25, 32, 4)
        qp, kp = torch.arange(150)[:, None], torch.arange(150)[None, :]
        allowed = (kp <= qp) & ((kp < 4) | (kp > qp - 32))
        ref = torch.nn.functional.scaled_dot_product_attention(q, k.repeat_interleave(2, 1), v.repeat_interleave(2, 1),
                                                               attn_mask=allowed, scale=0.25)
        self.assertLess(float((out - ref).abs().max()), 1e-5)
        # retrieval dropout changes only the marked positions of the chosen layer
        attention.register()
        big.config._attn_implementation = "ckv_train"
        with torch.no_grad():
            base = big(input_ids=x).logits
            qm = torch.zeros(1, 100, dtype=torch.bool)
            qm[0, 90:] = True
            attention.STATE.update(layer=2, qmask=qm, window=16, sinks=4)  # layer 1 is an identity layer
            dropped = big(input_ids=x).logits
            attention.STATE.update(layer=frozenset({2}))  # a set of one layer is the same restriction
            same = big(input_ids=x).logits
            attention.STATE.update(layer=frozenset({0, 2}))  # several layers at once (--local-extra-layer-prob)
            both = big(input_ids=x).logits
            attention.STATE.update(layer=None, qmask=None)
        self.assertEqual(float((same - dropped).abs().max()), 0.0)
        self.assertEqual(float((base[0, :90] - both[0, :90]).abs().max()), 0.0)
        self.assertGreater(float((both[0, 90:] - dropped[0, 90:]).abs().max()), 0.0)
        self.assertEqual(float((base[0, :90] - dropped[0, :90]).abs().max()), 0.0)
        self.assertGreater(float((base[0, 90:] - dropped[0, 90:]).abs().max()), 0.0)
        # SnapKV-restricted decoding runs and equals full decoding when the budget covers the prompt
        big.config._attn_implementation = "ckv_select"
        attention.SELECT.update(layers={0, 3}, budget=200, window=8, keep={})
        with torch.no_grad():
            c = big(input_ids=x[:, :80], use_cache=True)
            c2 = big(input_ids=x[:, 80:81], past_key_values=c.past_key_values, use_cache=True)
        big.config._attn_implementation = "sdpa"
        with torch.no_grad():
            full = big(input_ids=x[:, :81]).logits[0, -1]
        self.assertLess(float((c2.logits[0, -1] - full).abs().max()), 1e-4)
        attention.SELECT.update(layers=set(), keep={})

    def test_snapkv_training_restriction_matches_the_spread_measurement(self):
        import attention
        cfg = {"vocab_size": 8192, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
               "num_attention_heads": 4, "num_key_value_heads": 1, "max_position_embeddings": 1024,
               "rope_theta": 500000.0, "bos_token_id": 8190, "eos_token_id": 8191}
        torch.manual_seed(1)
        m = ck.build_model(cfg).eval()
        attention.register()
        x = torch.randint(0, 8000, (2, 300))
        t0 = 250  # the prompt is x[:, :251]; positions 251..259 are decode positions of the "answer"
        qm = torch.zeros(2, 300, dtype=torch.bool)
        qm[:, t0:260] = True
        m.config._attn_implementation = "ckv_train"
        attention.STATE.update(layer=1, qmask=qm, mode="snapkv", budget=40, snap_window=8, kernel=5)
        with torch.no_grad():
            train_logits = m(input_ids=x).logits
        attention.STATE.update(layer=None, qmask=None, mode="window")
        m.config._attn_implementation = "ckv_select"
        attention.SELECT.update(layers={1}, budget=40, window=8, kernel=5, keep={})
        with torch.no_grad():
            for b in range(2):
                c = m(input_ids=x[b:b + 1, :t0 + 1], use_cache=True)
                pk = c.past_key_values
                for t in range(t0 + 1, 260):
                    c = m(input_ids=x[b:b + 1, t:t + 1], past_key_values=pk, use_cache=True)
                    pk = c.past_key_values
                    self.assertLess(float((c.logits[0, -1] - train_logits[b, t]).abs().max()), 1e-4, f"row {b} pos {t}")
        attention.SELECT.update(layers=set(), keep={})
        m.config._attn_implementation = "sdpa"
        with torch.no_grad():
            self.assertGreater(float((m(input_ids=x).logits[0, 255] - train_logits[0, 255]).abs().max()), 1e-3)

    def test_heldout_entities_stay_out_of_training(self):
        train, held = tasks.Pools.load(self.corpus.meta, "train"), tasks.Pools.load(self.corpus.meta, "heldout")
        self.assertFalse(set(train.places) & set(held.places))
        self.assertIn("San Francisco", held.places)
        self.assertFalse(set(train.verbs) & set(held.verbs))
        self.assertFalse(set(train.nouns) & set(held.nouns))
        f = tasks.TaskFactory(self.corpus, self.tok, "train")
        heldout_places = [p for p in held.places if " " not in p]
        for r in range(30):
            ids, _ = f.sample(np.random.default_rng([99, r]), 1024, "qa")
            text = self.tok.decode(ids.tolist())
            self.assertNotIn("People who visit", text)
            for p in heldout_places:
                self.assertNotIn(f" in {p} is ", text)

    def test_curriculum(self):
        cur = tasks.parse_curriculum("0.5:512,1:8192+2048*0.25")
        self.assertEqual(cur, [(0.5, [(512, 1.0)]), (1.0, [(8192, 1.0), (2048, 0.25)])])
        self.assertEqual(tasks.batch_spec(1, 3, 0.1, cur), 512)
        self.assertIn(tasks.batch_spec(1, 3, 0.9, cur), (8192, 2048))
        with self.assertRaises(ValueError):
            tasks.parse_curriculum("0.6:512,0.5:1024")

    def test_moment_quantization(self):
        torch.manual_seed(0)
        m = torch.randn(1000, 37) * torch.logspace(-6, -2, 37)
        mq = ck.dequant_signed(ck.quant_signed(m), m.shape)
        self.assertLess(float((mq - m).abs().max()), float(m.abs().max()) / 127 * 0.51 + 1e-12)
        v = torch.rand(1000, 37) ** 4 * 1e-4
        v[0, :5] = 0
        vq = ck.dequant_positive(ck.quant_positive(v), v.shape)
        self.assertTrue(torch.all(vq[0, :5] == 0))
        rel = ((vq.sqrt() - v.sqrt()).abs() / v.sqrt().clamp_min(1e-30))[v > 0]
        self.assertLess(float(rel.max()), 0.15)

    def test_checkpoint_shards_round_trip(self):
        big = {"w/a": torch.randn(3_000_000), "w/b": torch.randn(10).to(torch.bfloat16),
               "m.q/a": torch.randint(-127, 127, (5_000_000,), dtype=torch.int8)}
        d = self.tmp / "ck"
        ck.save(d, big, {"step": 1})
        for f in d.glob("shard-*.pt"):
            self.assertLessEqual(f.stat().st_size, 15 * 2 ** 20)
        state, back = ck.load(d)
        for k, t in big.items():
            self.assertTrue(torch.equal(back[k], t), k)
        (d / "shard-00.pt").write_bytes(b"broken")
        with self.assertRaises(ValueError):
            ck.load(d)

    def test_sink_window_mask(self):
        import evaluate
        model = ck.build_model({"vocab_size": 8192, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                                "num_attention_heads": 4, "num_key_value_heads": 1, "max_position_embeddings": 1024,
                                "rope_theta": 500000.0, "bos_token_id": 8190, "eos_token_id": 8191}).eval()
        name = evaluate.register_sink_window()
        x = torch.randint(0, 8000, (1, 200))
        y = x.clone()
        y[0, 10:70] = torch.randint(0, 8000, (60,))  # outside 4 sinks + 2 layers x 63-token windows of position 199
        with torch.no_grad(), evaluate.attention_mode(model, name):
            a, b = model(input_ids=x).logits, model(input_ids=y).logits
            c = model(input_ids=x[:, :150], use_cache=True)
            pk = c.past_key_values
            for t in range(150, 200):
                c = model(input_ids=x[:, t:t + 1], past_key_values=pk, use_cache=True)
                pk = c.past_key_values
        self.assertEqual(float((a[0, 199] - b[0, 199]).abs().max()), 0.0)
        self.assertLess(float((c.logits[0, -1] - a[0, 199]).abs().max()), 1e-4)
        with torch.no_grad():
            self.assertGreater(float((model(input_ids=x).logits[0, 199] - model(input_ids=y).logits[0, 199]).abs().max()), 0)

    def test_resume_reproduces_the_uninterrupted_run(self):
        common = [sys.executable, str(HERE / "train.py"), "--corpus", str(ARGS.corpus), "--words", str(ARGS.words),
                  "--data-dir", str(self.data), "--curriculum", "0.5:256,1:512", "--tokens-per-step", "2048",
                  "--micro-batch-tokens", "1024", "--warmup", "3", "--log-every", "4", "--workers", "1",
                  "--eval-every-minutes", "0", "--no-final-eval", "--max-minutes", "5", "--device", "cpu"]
        ref, res, snaps = self.tmp / "ref", self.tmp / "res", self.tmp / "snaps"
        subprocess.run(common + TINY + ["--total-steps", "12", "--out", str(ref), "--snapshot-at", "4",
                                        "--snapshot-dir", str(snaps)], check=True, capture_output=True)
        subprocess.run(common + ["--resume", str(snaps / "step-4"), "--out", str(res)], check=True, capture_output=True)
        rows = lambda d: {r["step"]: r["loss"] for r in csv.DictReader((d / "train_log.csv").read_text().splitlines())}
        a, b = rows(ref), rows(res)
        self.assertEqual(sorted(a), ["12", "4", "8"])
        self.assertEqual(a, b)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--words", type=Path, required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Trains the embedded long-context test model (Llama architecture, GQA 4:1) in time-budgeted, resumable chunks.

One invocation = one chunk: it (re)builds the data dir from the carried corpus (reusing the checkpoint's tokenizer
when resuming), trains until --max-minutes is nearly spent (or the schedule / --max-steps ends), and writes a
checkpoint folder (--out) of at most 7 files of at most 15 MiB: see checkpoint.py. --resume DIR continues exactly:
weights, Adam moments, step, learning-rate schedule, curriculum position and data stream (every batch is a pure
function of the seed and the global step) are restored.

Schedule: AdamW, linear warm-up then cosine decay to --min-lr-ratio over --total-steps; a length curriculum
(--curriculum, fractions of the schedule) with a fixed number of tokens per step; loss = weighted mean of token
NLLs (answers 1, plain-LM samples 1, haystack --hay-weight, everything else 0).

Example chunk on the GPU machine (see README.md):
  python3 tools/train/train.py --corpus .devcarry/train/corpus --words .devcarry/train/words \\
      --total-steps 6000 --max-minutes 8.5 --out $OUT/ckpt [--resume .devcarry/train/ckpt]
"""
from __future__ import annotations

import time

T0 = time.time()  # the time budget counts from process start, imports included

import argparse
import collections
import contextlib
import csv
import hashlib
import json
import math
import multiprocessing as mp
import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_data  # noqa: E402
import checkpoint as ck  # noqa: E402
import tasks  # noqa: E402

DEFAULT_CURRICULUM = "0.25:512,0.38:1024,0.5:2048,0.68:4096+1024*0.15,1:8192+2048*0.2"
LOG_FIELDS = ["step", "elapsed_s", "seq_len", "lr", "loss", "answer_nll", "answer_acc", "hay_nll", "lm_nll",
              "grad_norm", "tokens_per_s", "held_nll", "local_layer"]


def log(msg: str) -> None:
    print(f"[train {time.time() - T0:7.1f}s] {msg}", flush=True)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_argument_group("data")
    g.add_argument("--corpus", type=Path, required=True, help="folder of *.txt / *.txt.xz books (see build_data.py)")
    g.add_argument("--words", type=Path, help="folder of the wonderwords lists (default: <corpus>/../words)")
    g.add_argument("--data-dir", type=Path, default=Path("/tmp/ckv-train-data"), help="token cache (rebuilt if stale)")
    g.add_argument("--workers", type=int, default=max(1, min(12, (os.cpu_count() or 2) - 2)))
    g = ap.add_argument_group("run")
    g.add_argument("--out", type=Path, required=True, help="checkpoint folder to write")
    g.add_argument("--resume", type=Path, help="checkpoint folder to continue from")
    g.add_argument("--init-from", type=Path,
                   help="start a fresh schedule from these weights: a .gguf written by compresskv convert (F32/F16/BF16) "
                        "or a Hugging Face folder; the model flags must match its shape")
    g.add_argument("--grow-after", default="",
                   help="with --init-from: insert a new layer after each of these source layers (comma-separated, "
                        "e.g. '1,3,5,7' grows 10 layers to 14); a new layer starts as the identity (o_proj and "
                        "down_proj zero, the rest freshly initialised), so the grown model computes exactly what the "
                        "source did. --layers must equal source layers + inserted ones")
    g.add_argument("--init-tokenizer", type=Path,
                   help="tokenizer.json for --init-from (default: the HF folder's, or <name>-hf/tokenizer.json beside the .gguf)")
    g.add_argument("--max-minutes", type=float, default=8.5, help="stop and save before this much wall time")
    g.add_argument("--max-steps", type=int, help="stop at this global step (default: end of schedule)")
    g.add_argument("--log-every", type=int, default=10)
    g.add_argument("--eval-every-minutes", type=float, default=4.0, help="quick held-out eval period (0: off)")
    g.add_argument("--final-eval", action=argparse.BooleanOptionalAction, default=True, help="quick eval before the final save")
    g.add_argument("--save-every-minutes", type=float, default=4.0, help="also save periodically (0: only at the end)")
    g.add_argument("--snapshot-at", default="", help="comma-separated global steps at which to save a copy")
    g.add_argument("--snapshot-dir", type=Path, default=Path("/tmp/ckv-snapshots"))
    g.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    g.add_argument("--compile", action="store_true", help="torch.compile the decoder (recompiles per length)")
    g = ap.add_argument_group("schedule (stored in the checkpoint; ignored on resume unless --restart-schedule)")
    g.add_argument("--total-steps", type=int, default=6000)
    g.add_argument("--curriculum", default=DEFAULT_CURRICULUM, help="'end_frac:len[*w]+len[*w],...' (tasks.parse_curriculum)")
    g.add_argument("--tokens-per-step", type=int, default=65536)
    g.add_argument("--micro-batch-tokens", type=int, default=65536, help="gradient accumulation below tokens-per-step")
    g.add_argument("--lr", type=float, default=1e-3)
    g.add_argument("--min-lr-ratio", type=float, default=0.1)
    g.add_argument("--warmup", type=int, default=200)
    g.add_argument("--weight-decay", type=float, default=0.1)
    g.add_argument("--beta2", type=float, default=0.95)
    g.add_argument("--clip", type=float, default=1.0)
    g.add_argument("--hay-weight", type=float, default=0.1)
    g.add_argument("--seed", type=int, default=1234)
    g.add_argument("--kind-weights", default="", help="e.g. 'qa=0.6,multivalue=0.1,vartrack=0.1,passkey=0.05,lm=0.15'")
    g.add_argument("--loss-mode", choices=["token", "category"], default="token",
                   help="token: weighted mean over tokens (versions 0-2); category: answer mean NLL + hay-weight x "
                        "haystack mean NLL + lm-weight x plain-LM mean NLL, so that the text share of the loss does not "
                        "grow with the number of text tokens (version 3)")
    g.add_argument("--lm-weight", type=float, default=1.0, help="weight of plain-LM tokens (category mode: of their mean)")
    g.add_argument("--lm-holdout", type=int, default=0,
                   help="hold out every K-th block of 2048 tokens of every book from the LM loss (0: off); their NLL is "
                        "logged as held_nll (tasks.Corpus.text_cats)")
    g.add_argument("--lm-rotate", type=int, default=0, help="which blocks are held out (rotate from chunk to chunk)")
    g.add_argument("--local-layer-prob", type=float, default=0.0,
                   help="retrieval dropout: with this probability per step, one random layer attends only to the first "
                        "--local-sinks tokens and the last --local-window tokens at the positions that predict answer "
                        "tokens, so that no single layer's retrieval is indispensable (version 3)")
    g.add_argument("--local-mode", choices=["window", "snapkv"], default="window",
                   help="window: the chosen layer sees sinks + the last --local-window tokens at answer positions; snapkv: "
                        "it sees what SnapKV with budget --local-budget (window 8, pooling 5) keeps, at the decode "
                        "positions of each answer (attention.snap_restricted)")
    g.add_argument("--local-budget", type=int, default=64)
    g.add_argument("--local-layer-weights", default="",
                   help="relative weights for choosing the layer, e.g. '13=4' (default 1 for every layer)")
    g.add_argument("--local-extra-layer-prob", type=float, default=0.0,
                   help="in a restricted step, every other layer is restricted too with this probability, so that the "
                        "answer must survive several blind layers at once and retrieval is learnt redundantly")
    g.add_argument("--local-window", type=int, default=64)
    g.add_argument("--local-sinks", type=int, default=4)
    g.add_argument("--restart-schedule", action="store_true",
                   help="on resume: start a new warm-up + cosine schedule of --total-steps from the current step")
    g = ap.add_argument_group("model (fresh runs only)")
    g.add_argument("--layers", type=int, default=10)
    g.add_argument("--hidden", type=int, default=384)
    g.add_argument("--heads", type=int, default=12)
    g.add_argument("--kv-heads", type=int, default=3)
    g.add_argument("--ffn", type=int, default=512)
    g.add_argument("--vocab-size", type=int, default=8192)
    g.add_argument("--rope-theta", type=float, default=500000.0)
    g.add_argument("--max-positions", type=int, default=16384)
    return ap.parse_args(argv)


def schedule_config(a) -> dict:
    kw = dict(tasks.KIND_WEIGHTS)
    for part in filter(None, a.kind_weights.split(",")):
        k, v = part.split("=")
        if k not in kw and k not in tasks.V3_KINDS:
            sys.exit(f"--kind-weights: unknown kind {k} (known: {sorted(kw) + list(tasks.V3_KINDS)})")
        kw[k] = float(v)
    tasks.parse_curriculum(a.curriculum)  # validates
    for L in [l for _, ch in tasks.parse_curriculum(a.curriculum) for l, _ in ch]:
        if a.tokens_per_step % L or a.micro_batch_tokens % L:
            sys.exit(f"--tokens-per-step and --micro-batch-tokens must be multiples of every curriculum length ({L})")
    return {"total_steps": a.total_steps, "curriculum": a.curriculum, "tokens_per_step": a.tokens_per_step,
            "micro_batch_tokens": a.micro_batch_tokens, "lr": a.lr, "min_lr_ratio": a.min_lr_ratio,
            "warmup": a.warmup, "weight_decay": a.weight_decay, "beta1": 0.9, "beta2": a.beta2, "clip": a.clip,
            "hay_weight": a.hay_weight, "seed": a.seed, "kind_weights": kw, "sched_start": 0,
            **({"loss_mode": a.loss_mode, "lm_weight": a.lm_weight, "lm_holdout": a.lm_holdout, "lm_rotate": a.lm_rotate,
                "local_layer_prob": a.local_layer_prob, "local_window": a.local_window, "local_sinks": a.local_sinks,
                **({"local_mode": a.local_mode, "local_budget": a.local_budget, "local_layer_weights": a.local_layer_weights}
                   if a.local_mode != "window" or a.local_layer_weights else {}),
                **({"local_extra_layer_prob": a.local_extra_layer_prob} if a.local_extra_layer_prob else {})}
               if (a.loss_mode != "token" or a.lm_weight != 1.0 or a.lm_holdout or a.local_layer_prob) else {})}


def model_config(a, bos: int, eos: int, vocab: int) -> dict:
    if a.heads % a.kv_heads or a.heads // a.kv_heads != 4:
        log(f"warning: {a.heads} query heads / {a.kv_heads} KV heads is not the 4:1 grouping the issue asks for")
    if a.hidden % a.heads:
        sys.exit("--hidden must be a multiple of --heads")
    return {"vocab_size": vocab, "hidden_size": a.hidden, "intermediate_size": a.ffn, "num_hidden_layers": a.layers,
            "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "max_position_embeddings": a.max_positions,
            "rope_theta": a.rope_theta, "rms_norm_eps": 1e-5, "bos_token_id": bos, "eos_token_id": eos,
            "initializer_range": 0.02, "init_seed": a.seed}


def lr_at(step: int, sc: dict) -> float:
    s = step - sc["sched_start"]
    if s < sc["warmup"]:
        return sc["lr"] * (s + 1) / sc["warmup"]
    prog = min(1.0, (s - sc["warmup"]) / max(1, sc["total_steps"] - sc["warmup"]))
    return sc["lr"] * (sc["min_lr_ratio"] + (1 - sc["min_lr_ratio"]) * 0.5 * (1 + math.cos(math.pi * prog)))


def step_length(step: int, sc: dict, curriculum) -> int:
    frac = (step - sc["sched_start"]) / max(1, sc["total_steps"])
    return tasks.batch_spec(sc["seed"], step, frac, curriculum)


class Prefetcher:
    """Batches built by spawned worker processes, a bounded number of steps ahead (memory stays flat)."""

    def __init__(self, data_dir: Path, sc: dict, curriculum, start: int, end: int, workers: int):
        self.sc, self.curriculum, self.end = sc, curriculum, end
        ctx = mp.get_context("spawn")
        self.pool = ctx.Pool(workers, initializer=tasks.worker_init,
                             initargs=(str(data_dir), sc["kind_weights"], (sc.get("lm_holdout", 0), sc.get("lm_rotate", 0))))
        self.ahead = collections.deque()
        self.next = start
        for _ in range(max(4, 2 * workers)):
            self._submit()

    def _submit(self):
        if self.next >= self.end:
            return
        s = self.next
        L = step_length(s, self.sc, self.curriculum)
        rows = self.sc["tokens_per_step"] // L
        self.ahead.append((s, L, self.pool.apply_async(tasks.make_batch, ((self.sc["seed"], s, L, rows),))))
        self.next += 1

    def get(self, step: int):
        s, L, res = self.ahead.popleft()
        assert s == step, f"prefetcher out of sync: {s} != {step}"
        out = res.get()
        self._submit()
        return L, out[1], out[2]

    def close(self):
        self.pool.terminate()


def fused_attention(enabled: bool = True):
    """SDPA restricted to fused kernels on CUDA (an error instead of a silent O(n^2)-memory fallback)."""
    if not (enabled and torch.cuda.is_available()):
        return contextlib.nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel
    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.EFFICIENT_ATTENTION])


def check_sdpa(model, device) -> str:
    """Make sure training attention runs on a fused kernel (flash / cuDNN / efficient), never the O(n^2)-memory math
    path; fall back to repeating KV heads when the fused kernels refuse GQA."""
    if device.type != "cuda":
        return "cpu"
    import transformers.integrations.sdpa_attention as sa
    x = torch.randint(0, 100, (2, 256), device=device)
    for mode in ("gqa", "repeat_kv"):
        if mode == "repeat_kv":
            sa.use_gqa_in_sdpa = lambda *args, **kw: False
        try:
            with fused_attention():
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    model(input_ids=x).logits.float().mean().backward()
            model.zero_grad(set_to_none=True)
            return mode
        except RuntimeError as e:
            log(f"fused SDPA with {mode} failed: {str(e).splitlines()[0][:200]}")
            model.zero_grad(set_to_none=True)
    sys.exit("no fused SDPA kernel accepts this model's attention on this GPU")


def grow_state_dict(sd: dict, own: dict, after: list[int]) -> dict:
    """Maps a source state dict onto a deeper model: source layer i keeps its weights at its new index; a new layer
    inserted after source layer j takes the fresh initialisation of the built model (`own`) with o_proj and down_proj
    set to zero, so that its attention and MLP add nothing to the residual stream at first (exact identity)."""
    n_src = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("model.layers."))
    n_new = 1 + max(int(k.split(".")[2]) for k in own if k.startswith("model.layers."))
    if n_new != n_src + len(after) or any(j < 0 or j >= n_src for j in after):
        sys.exit(f"--grow-after {after}: {n_src} source layers + {len(after)} inserted != --layers {n_new}")
    new_index, inserted, i = {}, [], 0
    for j in range(n_src):
        new_index[j] = i
        i += 1
        for _ in range(after.count(j)):
            inserted.append(i)
            i += 1
    out = {k: v for k, v in sd.items() if not k.startswith("model.layers.")}
    for k, v in sd.items():
        if k.startswith("model.layers."):
            parts = k.split(".")
            parts[2] = str(new_index[int(parts[2])])
            out[".".join(parts)] = v
    for n in inserted:
        for k, v in own.items():
            if k.startswith(f"model.layers.{n}."):
                out[k] = torch.zeros_like(v) if k.endswith(("o_proj.weight", "down_proj.weight")) else v.clone()
    log(f"grown {n_src} -> {n_new} layers: source layers at {[new_index[j] for j in range(n_src)]}, identity layers at {inserted}")
    return out


def init_weights(model, source: Path, grow_after: list[int] | None = None) -> None:
    """Loads the weights of a shipped model (GGUF or Hugging Face folder) into a freshly built one, exactly."""
    if source.suffix == ".gguf":
        import gguf_weights
        _, sd = gguf_weights.hf_state_dict(source)
    elif source.suffix == ".pt":
        import export
        sd = export.load_int8_init(source)
    else:
        from transformers import LlamaForCausalLM
        sd = LlamaForCausalLM.from_pretrained(str(source), torch_dtype=torch.float32).state_dict()
    own = model.state_dict()
    if grow_after:
        sd = grow_state_dict(sd, own, grow_after)
    missing = [k for k in own if k not in sd and k != "lm_head.weight"]
    unexpected = [k for k in sd if k not in own]
    wrong = [k for k in sd if k in own and tuple(sd[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong:
        sys.exit(f"--init-from {source}: does not fit the model flags (missing {missing[:3]}, unexpected "
                 f"{unexpected[:3]}, shape mismatch {wrong[:3]})")
    model.load_state_dict(sd, strict=False)
    if model.config.tie_word_embeddings:
        model.tie_weights()
    log(f"initialised {len(sd)} tensors from {source}")


def main(argv=None) -> None:
    a = parse_args(argv)
    device = torch.device(a.device)
    budget_s = a.max_minutes * 60
    words = a.words or a.corpus.parent / "words"
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True

    # -- configuration: fresh or resumed ---------------------------------------------------------------------------
    prev = None
    if a.resume:
        prev_state = json.loads((a.resume / "state.json").read_text()) if (a.resume / "state.json").is_file() else None
        if prev_state is None:
            sys.exit(f"--resume {a.resume}: no state.json there")
        prev = prev_state
        tok_path = a.resume / "tokenizer.json"
        if not tok_path.is_file():
            sys.exit(f"--resume {a.resume}: no tokenizer.json there")
    elif a.init_from:
        if a.init_tokenizer:
            tok_path = a.init_tokenizer
        elif a.init_from.suffix == ".gguf":
            tok_path = a.init_from.parent / (a.init_from.stem + "-hf") / "tokenizer.json"
        elif a.init_from.suffix == ".pt":
            tok_path = a.init_from.parent / "tokenizer.json"
        else:
            tok_path = a.init_from / "tokenizer.json"
        if not tok_path.is_file():
            sys.exit(f"--init-from {a.init_from}: tokenizer {tok_path} not found (pass --init-tokenizer)")
    else:
        tok_path = None
    data_dir = build_data.build(a.corpus, words, a.data_dir, tok_path, a.vocab_size)
    meta = json.loads((data_dir / "meta.json").read_text())
    if prev and prev["tokenizer_sha256"] != meta["tokenizer_sha256"]:
        sys.exit("data dir tokenizer differs from the checkpoint's tokenizer")

    if prev:
        mcfg, sc, step = prev["model_config"], dict(prev["schedule"]), prev["step"]
        if a.restart_schedule:
            new = schedule_config(a)
            new["sched_start"] = step
            sc = new
            log(f"restarting the schedule at step {step}: {a.total_steps} steps, lr {a.lr}")
        else:
            log(f"resuming at step {step} of {sc['sched_start'] + sc['total_steps']} with the stored schedule")
    else:
        mcfg = model_config(a, meta["bos_id"], meta["eos_id"], meta["vocab_size"])
        sc, step = schedule_config(a), 0
    curriculum = tasks.parse_curriculum(sc["curriculum"])
    end_step = sc["sched_start"] + sc["total_steps"]
    if a.max_steps is not None:
        end_step = min(end_step, a.max_steps)
    snapshots = {int(s) for s in a.snapshot_at.split(",") if s}

    prefetch = Prefetcher(data_dir, sc, curriculum, step, end_step, a.workers) if step < end_step else None

    # -- model and optimizer ------------------------------------------------------------------------------------------
    model = ck.build_model(mcfg)
    n_params = ck.count_params(model)
    tensors = None
    if prev:
        _, tensors = ck.load(a.resume)
        ck.load_weights(model, tensors)
    elif a.init_from:
        init_weights(model, a.init_from, [int(x) for x in a.grow_after.split(",") if x.strip()])
    model.to(device)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": sc["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=sc["lr"], betas=(sc["beta1"], sc["beta2"]), eps=1e-8,
                            fused=device.type == "cuda", foreach=None if device.type == "cuda" else True)
    adam_step = prev["adam_step"] if prev else 0
    if prev:
        ck.load_moments(model, opt, tensors, adam_step)
        ck.set_rng_state(prev["rng"])
        del tensors
    sdpa_mode = check_sdpa(model, device)
    fwd_model = torch.compile(model.model) if a.compile else model.model
    log(f"model: {n_params / 1e6:.2f}M parameters {json.dumps(mcfg)}; sdpa={sdpa_mode}; device={device}")
    log(f"schedule: {json.dumps(sc)}")

    # -- logging ------------------------------------------------------------------------------------------------------
    a.out.mkdir(parents=True, exist_ok=True)
    log_path = a.out / "train_log.csv"
    if prev and (a.resume / "train_log.csv").is_file() and a.resume.resolve() != a.out.resolve():
        lines = (a.resume / "train_log.csv").read_text().splitlines()
        rows = [r for r in csv.DictReader(lines) if int(r["step"]) <= step]
        with open(log_path, "w", newline="") as f:
            w = csv.DictWriter(f, LOG_FIELDS)
            w.writeheader()
            w.writerows(rows)
    elif not prev or not log_path.is_file():
        with open(log_path, "w", newline="") as f:
            csv.DictWriter(f, LOG_FIELDS).writeheader()
    evals = list(prev.get("evals", [])) if prev else []
    elapsed_before = prev.get("train_seconds", 0.0) if prev else 0.0
    tokens_before = prev.get("tokens_seen", 0) if prev else 0

    evaluator = None
    if a.eval_every_minutes > 0 or a.final_eval:
        from tokenizers import Tokenizer

        import evaluate
        evaluator = evaluate.Evaluator(model, Tokenizer.from_file(str(data_dir / "tokenizer.json")), tasks.Corpus(data_dir), device)

    NC = tasks.N_CATS
    cat_w = torch.tensor([0.0, sc["hay_weight"], 1.0, sc.get("lm_weight", 1.0), 0.0], device=device)
    category_loss = sc.get("loss_mode", "token") == "category"
    local_p = sc.get("local_layer_prob", 0.0)
    if local_p > 0:
        import attention
        attention.register()
        attention.STATE.update(window=sc["local_window"], sinks=sc["local_sinks"], mode=sc.get("local_mode", "window"),
                               budget=sc.get("local_budget", 64))
        layer_w = np.ones(mcfg["num_hidden_layers"])
        for part in filter(None, sc.get("local_layer_weights", "").split(",")):
            li, wv = part.split("=")
            layer_w[int(li)] = float(wv)
        layer_p = layer_w / layer_w.sum()
        model.config._attn_implementation = "ckv_train"
    cuda = device.type == "cuda"
    acc = {"nll": torch.zeros(NC, device=device), "cnt": torch.zeros(NC, device=device), "local": [],
           "correct": torch.zeros((), device=device), "loss": torch.zeros((), device=device)}
    interval = {"steps": 0, "tokens": 0, "t": time.time()}
    per_len = collections.defaultdict(lambda: [0, 0.0])  # L -> [steps, seconds], first step of each L excluded
    seen_len: set = set()
    events: list = []  # (L, end event) per step since the last sync
    last_event = None
    gnorm = torch.zeros((), device=device)
    save_s_est, eval_s_est = 10.0, 20.0
    last_eval_t = last_save_t = time.time()
    run_start_step, run_t0 = step, time.time()
    stop_reason = "schedule end" if step >= end_step else None

    def est_step_s(L: int) -> float:
        if L in per_len and per_len[L][0] > 0:
            return per_len[L][1] / per_len[L][0]
        known = [v[1] / v[0] for v in per_len.values() if v[0] > 0]
        return 2 * max(known) * (L / 512) ** 0.5 if known else 5.0

    def flush_timing():
        nonlocal events, last_event
        if not cuda or not events:
            return
        events[-1][1].synchronize()
        prev_ev = last_event
        for L, ev in events:
            if prev_ev is not None:
                if L in seen_len:
                    per_len[L][0] += 1
                    per_len[L][1] += prev_ev.elapsed_time(ev) / 1000
                seen_len.add(L)
            prev_ev = ev
        last_event = events[-1][1]
        events = []

    def write_log(step: int, L: int):
        nonlocal acc, interval
        flush_timing()
        n = max(1, interval["steps"])
        nll, cnt = acc["nll"].tolist(), acc["cnt"].tolist()
        dt = time.time() - interval["t"]
        row = {"step": step, "elapsed_s": round(elapsed_before + time.time() - run_t0, 1), "seq_len": L,
               "lr": f"{lr_at(step - 1, sc):.3e}", "loss": f"{float(acc['loss']) / n:.4f}",
               "answer_nll": f"{nll[2] / cnt[2]:.4f}" if cnt[2] else "",
               "answer_acc": f"{float(acc['correct']) / cnt[2]:.4f}" if cnt[2] else "",
               "hay_nll": f"{nll[1] / cnt[1]:.4f}" if cnt[1] else "", "lm_nll": f"{nll[3] / cnt[3]:.4f}" if cnt[3] else "",
               "grad_norm": f"{float(gnorm):.3f}", "tokens_per_s": round(interval["tokens"] / max(dt, 1e-9)),
               "held_nll": f"{nll[4] / cnt[4]:.4f}" if cnt[4] else "",
               "local_layer": " ".join(str(x) for x in acc["local"])}
        with open(log_path, "a", newline="") as f:
            csv.DictWriter(f, LOG_FIELDS).writerow(row)
        log(" ".join(f"{k}={v}" for k, v in row.items()))
        for key, t in acc.items():
            if key == "local":
                t.clear()
            else:
                t.zero_()
        interval = {"steps": 0, "tokens": 0, "t": time.time()}

    def do_save(path: Path, tag: str):
        nonlocal save_s_est
        t = time.time()
        flush_timing()
        tens = ck.round_to_stored(model, opt)
        st = {"step": step, "adam_step": adam_step, "model_config": mcfg, "schedule": sc,
              "tokenizer_sha256": meta["tokenizer_sha256"], "rng": ck.rng_state(), "evals": evals,
              "train_seconds": round(elapsed_before + time.time() - run_t0, 1), "tokens_seen": tokens_seen,
              "parameters": n_params, "sdpa": sdpa_mode,
              "throughput": {str(L): {"steps": v[0], "step_s": v[1] / v[0], "tokens_per_s": sc["tokens_per_step"] * v[0] / v[1]}
                             for L, v in sorted(per_len.items()) if v[0] > 0}}
        size = ck.save(path, tens, st, data_dir / "tokenizer.json", log_path)
        save_s_est = max(5.0, 1.5 * (time.time() - t))
        log(f"saved {tag} checkpoint at step {step} to {path}: {size / 2**20:.1f} MiB in "
            f"{len(list(path.glob('*')))} files ({time.time() - t:.1f}s)")

    def do_eval(final: bool):
        nonlocal eval_s_est, last_eval_t
        t = time.time()
        model.eval()
        max_len = max(l for _, ch in curriculum for l, _ in ch)
        r = evaluator.quick(max_len=max(max_len, 1024), v3=any(sc["kind_weights"].get(k, 0) > 0 for k in tasks.V3_KINDS))
        model.train()
        eval_s_est = max(5.0, 1.3 * (time.time() - t))
        last_eval_t = time.time()
        evals.append({"step": step, "final": final, **{k: v for k, v in r.items() if k != "example"}})
        log(f"quick eval at step {step}: {json.dumps(r)}")

    tokens_seen = tokens_before
    L = 0
    run_t0 = interval["t"] = last_eval_t = last_save_t = time.time()
    try:
        while step < end_step:
            now = time.time()
            L_next = step_length(step, sc, curriculum)
            reserve = save_s_est + 5 + (eval_s_est if a.final_eval else 0)
            if now - T0 + est_step_s(L_next) + reserve > budget_s:
                stop_reason = "time budget"
                break
            if evaluator and a.eval_every_minutes > 0 and now - last_eval_t > a.eval_every_minutes * 60 \
                    and now - T0 + eval_s_est + reserve + est_step_s(L_next) < budget_s:
                flush_timing()
                do_eval(False)
                last_event = None
            if a.save_every_minutes > 0 and now - last_save_t > a.save_every_minutes * 60:
                do_save(a.out, "periodic")
                last_save_t = time.time()
                last_event = None

            L, ids_np, cats_np = prefetch.get(step)
            rows = ids_np.shape[0]
            ids = torch.from_numpy(ids_np.astype(np.int32))
            cats = torch.from_numpy(cats_np)
            if cuda:
                ids, cats = ids.pin_memory().to(device, non_blocking=True), cats.pin_memory().to(device, non_blocking=True)
            cat_all = cats[:, 1:].long()
            if category_loss:  # each category's mean NLL, weighted: per-token weights w_c / n_c
                n_c = torch.bincount(cat_all.reshape(-1), minlength=NC).float().clamp_min(1.0)
                tok_w = cat_w / n_c
                w_total = torch.ones((), device=device)
            else:
                tok_w = cat_w
                w_total = cat_w[cat_all].sum().clamp_min(1e-6)
            local_layer = None
            if local_p > 0:
                lrng = np.random.default_rng([sc["seed"], step, 11])
                if lrng.random() < local_p:
                    first = int(lrng.integers(mcfg["num_hidden_layers"])) if not sc.get("local_layer_weights") \
                        else int(lrng.choice(mcfg["num_hidden_layers"], p=layer_p))
                    extra_p = sc.get("local_extra_layer_prob", 0.0)
                    local_layer = frozenset([first] + [li for li in range(mcfg["num_hidden_layers"])
                                                       if li != first and extra_p > 0 and lrng.random() < extra_p])
                    acc["local"].append("+".join(str(li) for li in sorted(local_layer)))
                    qmask_all = F.pad(cats[:, 1:] == tasks.CAT_ANSWER, (0, 1))
            attention_state = attention.STATE if local_p > 0 else {}
            lr = lr_at(step, sc)
            for gr in opt.param_groups:
                gr["lr"] = lr
            mb = max(1, sc["micro_batch_tokens"] // L)
            for r0 in range(0, rows, mb):
                x, c = ids[r0:r0 + mb], cats[r0:r0 + mb]
                if local_p > 0:
                    attention_state["layer"] = local_layer
                    attention_state["qmask"] = qmask_all[r0:r0 + mb] if local_layer is not None else None
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda), fused_attention(cuda):
                    h = fwd_model(input_ids=x).last_hidden_state[:, :-1]
                    logits = model.lm_head(h)
                tgt = x[:, 1:].long()
                ct = c[:, 1:].long()
                nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none").view_as(tgt)
                w = tok_w[ct]
                loss = (nll * w).sum() / w_total
                loss.backward()
                with torch.no_grad():
                    acc["loss"] += loss.detach()
                    acc["nll"] += torch.zeros(NC, device=device).index_add_(0, ct.reshape(-1), nll.detach().reshape(-1))
                    acc["cnt"] += torch.bincount(ct.reshape(-1), minlength=NC).float()
                    acc["correct"] += ((logits.argmax(-1) == tgt) & (ct == tasks.CAT_ANSWER)).sum()
            if local_p > 0:
                attention_state["layer"] = attention_state["qmask"] = None
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), sc["clip"])
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            adam_step += 1
            tokens_seen += rows * L
            interval["steps"] += 1
            interval["tokens"] += rows * L
            if cuda:
                ev = torch.cuda.Event(enable_timing=True)
                ev.record()
                events.append((L, ev))
            else:
                per_len[L][0] += 1
                per_len[L][1] += time.time() - now
            if step % a.log_every == 0 or step == end_step:
                write_log(step, L)
            if step in snapshots:
                do_save(a.snapshot_dir / f"step-{step}", "snapshot")
                last_event = None
        else:
            stop_reason = stop_reason or ("max steps" if a.max_steps is not None and step >= a.max_steps else "schedule end")
    finally:
        if prefetch:
            prefetch.close()
    if interval["steps"]:
        write_log(step, L)
    if evaluator and a.final_eval and step > run_start_step and time.time() - T0 + eval_s_est + save_s_est < budget_s:
        do_eval(True)
    do_save(a.out, "final")
    flush_timing()
    summary = {"stop": stop_reason, "step": step, "steps_this_run": step - run_start_step, "end_of_schedule": sc["sched_start"] + sc["total_steps"],
               "parameters": n_params, "tokens_seen": tokens_seen, "wall_s": round(time.time() - T0, 1),
               "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
               "throughput": {str(L): {"steps": v[0], "step_ms": round(1000 * v[1] / v[0], 1),
                                       "tokens_per_s": round(sc["tokens_per_step"] * v[0] / v[1])}
                              for L, v in sorted(per_len.items()) if v[0] > 0}}
    log("summary " + json.dumps(summary))


if __name__ == "__main__":
    main()

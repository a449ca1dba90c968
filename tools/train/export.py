#!/usr/bin/env python3
"""Writes the Hugging Face folder of a training checkpoint:
  config.json, generation_config.json, model.safetensors (BF16 by default, or F32), tokenizer.json,
  tokenizer_config.json, special_tokens_map.json
The embeddings are tied (no lm_head.weight in the file). The folder loads with transformers'
LlamaForCausalLM / AutoTokenizer and is the input of the project's GGUF converter.

  python3 tools/train/export.py --ckpt CKPT_DIR --out models/ckv-test-hf [--dtype bfloat16|float32] [--max-shard-mb 15]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_data  # noqa: E402
import checkpoint as ck  # noqa: E402


def export(ckpt: Path, out: Path, dtype: str = "bfloat16", verify: bool = True, max_shard_mb: int | None = None) -> dict:
    from tokenizers import Tokenizer
    from transformers import GenerationConfig, LlamaForCausalLM

    model, state = ck.load_model(ckpt, "cpu", torch.float32)
    tok_path = ckpt / "tokenizer.json"
    tok = Tokenizer.from_file(str(tok_path))
    bos, eos = tok.token_to_id(build_data.BOS), tok.token_to_id(build_data.EOS)
    if (bos, eos) != (model.config.bos_token_id, model.config.eos_token_id):
        sys.exit(f"tokenizer BOS/EOS {bos}/{eos} differ from the model config's "
                 f"{model.config.bos_token_id}/{model.config.eos_token_id}")
    out.mkdir(parents=True, exist_ok=True)
    td = {"bfloat16": torch.bfloat16, "float32": torch.float32}[dtype]
    model = model.to(td)
    model.config.use_cache = True
    model.generation_config = GenerationConfig(bos_token_id=bos, eos_token_id=eos, pad_token_id=eos, do_sample=False,
                                               max_new_tokens=64)
    for old in list(out.glob("model*.safetensors")) + list(out.glob("model.safetensors.index.json")):
        old.unlink()
    if max_shard_mb:
        model.save_pretrained(out, safe_serialization=True, max_shard_size=f"{max_shard_mb}MB")
    else:
        model.save_pretrained(out, safe_serialization=True, max_shard_size="10GB")
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps(build_data.tokenizer_config(tok, model.config.max_position_embeddings), indent=2) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps({"bos_token": build_data.BOS, "eos_token": build_data.EOS}, indent=2) + "\n")
    info = {"step": state["step"], "parameters": ck.count_params(model), "dtype": dtype,
            "files": {p.name: p.stat().st_size for p in sorted(out.iterdir())}}
    if verify:
        # Reload through transformers and compare logits with the checkpoint model on a short prompt.
        from transformers import AutoTokenizer
        hf_tok = AutoTokenizer.from_pretrained(out)
        ids = hf_tok("It was the best of times, it was the worst of times.", return_tensors="pt").input_ids
        if int(ids[0, 0]) != bos:
            sys.exit(f"exported tokenizer does not add BOS: {ids[0, :4].tolist()}")
        again = LlamaForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
        # Reference: the checkpoint model in fp32 with its parameters rounded like the file (not model.float(): the
        # .to(bfloat16) above also rounded the RoPE inv_freq buffer, which a reloaded model recomputes in fp32).
        ref, _ = ck.load_model(ckpt, "cpu", torch.float32)
        with torch.no_grad():
            for p in ref.parameters():
                p.copy_(p.to(td).float())
        with torch.no_grad():
            a, b = ref(input_ids=ids).logits, again(input_ids=ids).logits
        diff = float((a - b).abs().max())
        if diff > 1e-4:
            sys.exit(f"reloaded model's logits differ by {diff}")
        info["verify_max_logit_diff"] = diff
    return info


def int8_init(hf_dir: Path, out: Path) -> dict:
    """A compact init file for train.py --init-from FILE.pt: matrices as int8 with one fp32 scale per row (absmax),
    vectors as fp32; about half the size of BF16. Used to carry a version-3 chunk back to the GPU machine when a
    BF16 folder would not fit the 64 MiB working-tree limit next to the repository (relative rounding error of a
    weight at most 1/254 of its row's largest magnitude; a following chunk trains on from there)."""
    from transformers import LlamaForCausalLM
    sd = LlamaForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32).state_dict()
    packed = {}
    for k, v in sd.items():
        if k == "lm_head.weight":
            continue
        if v.dim() == 2:
            scale = v.abs().amax(1).clamp_min(1e-12) / 127
            packed[k] = {"q": torch.round(v / scale[:, None]).clamp(-127, 127).to(torch.int8), "scale": scale}
        else:
            packed[k] = v.clone()
    torch.save(packed, out)
    return {"tensors": len(packed), "bytes": out.stat().st_size}


def load_int8_init(path: Path) -> dict:
    packed = torch.load(path, map_location="cpu")
    return {k: (v["q"].float() * v["scale"][:, None]) if isinstance(v, dict) else v for k, v in packed.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path, help="checkpoint folder (state.json + shards + tokenizer.json)")
    ap.add_argument("--out", type=Path, required=True, help="Hugging Face folder to write (with --int8-from: the .pt file)")
    ap.add_argument("--int8-from", type=Path, help="instead: write an int8 init file (train.py --init-from X.pt) from this "
                    "Hugging Face folder; copy its tokenizer.json beside it")
    ap.add_argument("--dtype", choices=["bfloat16", "float32"], default="bfloat16")
    ap.add_argument("--max-shard-mb", type=int, help="split model.safetensors into shards of this many MB "
                    "(e.g. 15 on the GPU machine, whose returned files must stay under 16 MiB)")
    ap.add_argument("--no-verify", action="store_true")
    a = ap.parse_args(argv)
    if a.int8_from:
        print("[export] " + json.dumps(int8_init(a.int8_from, a.out)), flush=True)
        return
    if not a.ckpt:
        ap.error("--ckpt is required")
    print("[export] " + json.dumps(export(a.ckpt, a.out, a.dtype, not a.no_verify, a.max_shard_mb)), flush=True)


if __name__ == "__main__":
    main()

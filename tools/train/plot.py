#!/usr/bin/env python3
"""Training curves of a checkpoint folder as a PNG for the model card: the losses (total, answer NLL, haystack NLL,
plain-LM NLL) and answer-token accuracy over steps, with the sequence length of each phase shaded, plus the
held-out quick-eval NIAH accuracy recorded in state.json.

  python3 tools/train/plot.py --ckpt CKPT_DIR --out docs/model-card-training.png

Runs made of several schedules (each started with --init-from from the previous one's weights, so each log starts
again at step 1) are drawn end to end: pass --ckpt once per run, in order.
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path, required=True, action="append",
                    help="checkpoint folder (train_log.csv, state.json); repeat for runs chained with --init-from")
    ap.add_argument("--out", type=Path, required=True, help="PNG to write")
    a = ap.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, step, evals_all, boundaries, offset = [], [], [], [], 0
    for ck in a.ckpt:
        part = list(csv.DictReader((ck / "train_log.csv").read_text().splitlines()))
        if not part:
            raise SystemExit(f"{ck / 'train_log.csv'} has no rows")
        state = json.loads((ck / "state.json").read_text())
        base = offset if state.get("schedule", {}).get("sched_start", 0) == 0 and offset else 0
        rows += part
        step += [base + int(r["step"]) for r in part]
        evals_all += [{**e, "step": base + e["step"]} for e in state.get("evals", [])]
        if offset:
            boundaries.append(base)
        offset = step[-1]
    state = {**state, "evals": evals_all, "step": offset}

    def col(name):
        return [(s, float(r[name])) for s, r in zip(step, rows) if r[name] != ""]

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for name, label in (("loss", "weighted loss"), ("answer_nll", "answer NLL"), ("hay_nll", "haystack NLL"),
                        ("lm_nll", "plain-LM NLL")):
        pts = col(name)
        ax1.plot([p[0] for p in pts], [p[1] for p in pts], label=label, lw=1)
    ax1.set_ylabel("nats / token")
    ax1.set_yscale("log")
    ax1.legend(loc="upper right")
    ax1.grid(alpha=0.3)
    pts = col("answer_acc")
    ax2.plot([p[0] for p in pts], [p[1] for p in pts], label="answer-token accuracy (training batches)", lw=1)
    evals = [e for e in state.get("evals", []) if "niah" in e]
    if evals:
        ax2.plot([e["step"] for e in evals], [e["niah"] for e in evals], "o-", label="held-out NIAH (quick eval)")
        mk = [e for e in evals if "multikey_4k" in e]
        ax2.plot([e["step"] for e in mk], [e["multikey_4k"] for e in mk], "s--", label="held-out multi-key 4K (quick eval)")
    ax2.set_ylim(0, 1.02)
    ax2.set_xlabel("step (65,536 tokens each)")
    ax2.set_ylabel("accuracy")
    ax2.legend(loc="lower right")
    ax2.grid(alpha=0.3)
    # shade the curriculum phases by the logged sequence length
    last, start = None, step[0]
    colors = {}
    for s, r in zip(step + [step[-1] + 1], rows + [None]):
        L = r["seq_len"] if r else None
        if L != last:
            if last is not None:
                c = colors.setdefault(last, f"C{len(colors) % 10}")
                for ax in (ax1, ax2):
                    ax.axvspan(start, s, color=c, alpha=0.06, lw=0)
                if s - start > (step[-1] - step[0]) / 40:  # mixed-length phases: label only long runs
                    ax1.text(start, ax1.get_ylim()[1], f" {last}", va="top", fontsize=7)
            last, start = L, s
    for b in boundaries:
        for ax in (ax1, ax2):
            ax.axvline(b, color="k", lw=0.8, ls=":")
    fig.suptitle(f"{state.get('parameters', 0) / 1e6:.2f}M-parameter model, {state['step']} steps")
    fig.tight_layout()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.out, dpi=110)
    print(f"[plot] wrote {a.out}")


if __name__ == "__main__":
    main()

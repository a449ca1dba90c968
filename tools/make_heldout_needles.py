"""Held-out needles for evaluating the embedded model with the Java harness (issue 3's acceptance).

Writes JSON lines {"needle", "question", "answer", "place"}: the paper's needle family ("The best thing to do in
{place} is {activity}.") with places and activity words held out from training (tools/train/tasks.py, split
"heldout"), drawn with a fixed seed. Run from the repository root (CPU, a few seconds):

    python3 tools/make_heldout_needles.py --data-dir /tmp/evaldata --n 40 --out examples/heldout-needles.jsonl

where /tmp/evaldata is the token cache of tools/train/build_data.py (it holds the word-list split).
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent / "train"))
import tasks  # noqa: E402

SEED = 20261123


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    meta = json.loads((a.data_dir / "meta.json").read_text())
    pools = tasks.Pools.load(meta, "heldout")
    rng = np.random.default_rng(SEED)
    s, q, ans = tasks.TRAIN_FAMILIES["best"]
    rows, places = [], set()
    while len(rows) < a.n:
        place = pools.places[rng.integers(len(pools.places))]
        if place in places and len(places) < len(pools.places):
            continue
        places.add(place)
        act = tasks.activity(rng, pools)
        rows.append({"needle": s.format(K=place, V=act), "question": q.format(K=place), "answer": ans.format(V=act),
                     "place": place})
    a.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} held-out needles to {a.out}")


if __name__ == "__main__":
    main()

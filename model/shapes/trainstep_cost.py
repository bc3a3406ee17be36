"""What a DiT training step costs on this machine for the next model's candidates (model/shapes/TRAINING-2.0.md,
"How the next stage starts"): one forward and backward pass of a freshly initialised DiT over a 32-clip batch of
16-channel latents at each latent length T, best of two, no optimizer step; one thread. Weights do not change the
cost. Prints a line per candidate and one JSON line last.

  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 model/shapes/trainstep_cost.py [--amp bf16] [--only N,...]

--amp bf16: the passes under bfloat16 autocast, as train.py's --amp bf16 runs them (on a CPU with AVX512-BF16 a step
~1.5x faster than float32, TRAINING-2.0.md; without the instructions slower). --only: the candidates at these indexes
(0-based) only.
"""
import argparse
import contextlib
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nets import DiT, TextEncoder  # noqa: E402

BATCH, TEXT_TOKENS = 32, 60
T_PROBS = {4: 0.3, 8: 0.3, 12: 0.2, 16: 0.2}  # stage 5's clip-length mix (--t-probs)
CANDIDATES = [
    ("stage 5: patch 2x2, width 192, depth 6", dict(patch=(1, 2, 2), d=192, depth=6, heads=6), tuple(T_PROBS)),
    # 1x1 patches: 112 tokens a latent frame; at T 12-16 (1,344-1,792 tokens) the process died without output on
    # this 24 GB machine (not investigated; a 32-clip batch's attention maps are the likely cause), so only T 4 and 8
    ("patch 1x1, width 192, depth 6", dict(patch=(1, 1, 1), d=192, depth=6, heads=6), (4, 8)),
    ("patch 2x2, width 288, depth 8", dict(patch=(1, 2, 2), d=288, depth=8, heads=6), tuple(T_PROBS)),
    # stage 6h's: stage 5's shape with the refining head (--dit-head conv, nets.RefineHead)
    ("stage 5 + refining head (--dit-head conv)", dict(patch=(1, 2, 2), d=192, depth=6, heads=6, head="conv"), tuple(T_PROBS)),
]


def step_seconds(te, dit, ids, t_len, amp):
    x, t = torch.randn(BATCH, 16, t_len, 8, 14), torch.rand(BATCH)
    best = float("inf")
    for _ in range(2):
        began = time.time()
        with torch.autocast("cpu", dtype=torch.bfloat16) if amp == "bf16" else contextlib.nullcontext():
            loss = dit(x, t, te(ids), (ids != 0).to(torch.int32)).float().pow(2).mean()
        loss.backward()
        best = min(best, time.time() - began)
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--amp", default="none", choices=["none", "bf16"])
    p.add_argument("--only", default=",".join(str(i) for i in range(len(CANDIDATES))))
    a = p.parse_args()
    if not all(i.isdigit() and int(i) < len(CANDIDATES) for i in a.only.split(",")):
        p.error(f"--only: indexes 0-{len(CANDIDATES) - 1}, comma-separated")
    chosen = [CANDIDATES[int(i)] for i in a.only.split(",")]
    torch.set_num_threads(1)
    torch.manual_seed(0)
    te, ids = TextEncoder(), torch.randint(1, 200, (BATCH, TEXT_TOKENS))
    rows = []
    for name, shape, lengths in chosen:
        dit = DiT(in_c=16, positions="progress", tc=2, **shape)
        per = {t_len: round(step_seconds(te, dit, ids, t_len, a.amp), 2) for t_len in lengths}
        mix = sum(T_PROBS[t] * s for t, s in per.items()) / sum(T_PROBS[t] for t in per)
        rows.append(dict(dit=name, values_m=round(sum(p.numel() for p in dit.parameters()) / 1e6, 2), seconds_by_T=per,
                         mix_mean_s=round(mix, 2), lengths_timed=list(lengths)))
        print(f"{name}: {rows[-1]['values_m']} M values; s/step " + ", ".join(f"T{t} {s:.2f}" for t, s in per.items())
              + f"; mean over the timed lengths of the mix {mix:.2f}", flush=True)
    print(json.dumps(dict(batch=BATCH, threads=1, amp=a.amp, rows=rows)))


if __name__ == "__main__":
    main()

"""Pairs for the semantic decoder (semantic_train.py decoder --pairs): the DiT's own finish of each decoder clip from its
truth noised to a middle step of level 2's grid (30 steps, stage 5's guidance and frame-shared noise), its 16 channels
and maps as the sampler leaves them, beside the clip's true frames (dec.npz's).

Why: a decoder trained on all-circles latents and the true maps draws the DiT's maps round (TRAINING-2.0.md, "Semantic
latent channels": the DiT's maps name a triangle, the look reads 2-4 of 20 triangles): the DiT's 16 channels are
neither a circle's latents nor its maps the truth's. Trained on what the DiT hands it, the decoder learns to draw a
triangle from the DiT's kind of blob, as make-pairs.ts / decoder_dit.py pair the 16-channel decoder with the DiT's finish.
A finish from a step where the layout is still the truth's keeps the pair's frames a fair target.

  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 model/shapes/semantic_pairs.py \\
    --work W [--from-steps 8,12,16,20] [--weights ema] [--name pairs]        -> W/pairs.npz, W/pairs_val.npz
"""
import argparse
import json
import os
import time

import numpy as np
import torch

import export as ex
from nets import video_noise
from semantic import AE_C, KINDS, SEM_C
from semantic_nets import STAGE5, load_semantic_dit
from semantic_train import LEVEL2_STEPS, check_maps, kind_sums, load_decoder_pools, x0_of
from train_common import log


def finish(te, net, pool, from_steps, guidance, shared, seed, batch=24):
    """[N, AE_C + SEM_C, T, 8, 14] float16: each clip's truth noised to the grid's step k (the from-steps in turn) and
    sampled from there to the end; and each clip's k"""
    g, grid, n = torch.Generator().manual_seed(seed), ex.sampler_grid(LEVEL2_STEPS), len(pool["z"])
    ks = np.array([from_steps[i % len(from_steps)] for i in range(n)])
    out = np.zeros((n, AE_C + SEM_C, *pool["z"].shape[2:]), np.float16)
    for k in from_steps:
        rows = np.flatnonzero(ks == k)
        for s in range(0, len(rows), batch):
            idx = rows[s:s + batch]
            x0 = x0_of(pool, idx)
            x = (1 - grid[k]) * x0 + grid[k] * video_noise(x0.shape, g, shared)
            out[idx] = ex.flow_steps(te, net, x, pool["ids"][idx], guidance, LEVEL2_STEPS, k).numpy()
    return out, ks


def kind_agreement(pool, lat, ks):
    """per from-step: the share of clips whose largest kind channel (summed over the clip) is the truth maps' largest,
    and the 16 channels' mean squared distance from the truth's latents"""
    made = kind_sums(torch.from_numpy(lat.astype(np.float32))).argmax(1).numpy()
    true = pool["s"][:, :len(KINDS)].astype(np.float32).sum((2, 3, 4)).argmax(1)
    dist = ((lat[:, :AE_C].astype(np.float32) - pool["z"].astype(np.float32)) ** 2).mean((1, 2, 3, 4))
    return {int(k): dict(kind=round(float((made == true)[ks == k].mean()), 3), latent_mse=round(float(dist[ks == k].mean()), 4))
            for k in sorted(set(ks))}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", required=True, help="semantic_train.py's work folder (dec.npz, dec_val.npz, sem_dit.pt)")
    p.add_argument("--from-steps", default="8,12,16,20", help="grid steps (of 30) the finishes start from, in turn")
    p.add_argument("--weights", choices=["ema", "raw"], default="ema")
    p.add_argument("--name", default="pairs")
    p.add_argument("--seed", type=int, default=1254)
    a = p.parse_args()
    from_steps = [int(k) for k in a.from_steps.split(",")]
    if not all(0 <= k < LEVEL2_STEPS for k in from_steps):
        p.error(f"--from-steps: grid steps in 0..{LEVEL2_STEPS - 1}")
    check_maps(a.work)
    torch.set_num_threads(1)
    sampler = json.load(open(os.path.join(STAGE5, "model.json")))["sampler"]
    te, net, d = load_semantic_dit(a.work, a.weights)
    figures = dict(dit_step=d["step"], weights=a.weights, from_steps=from_steps)
    for pool, v, seed in zip(load_decoder_pools(a.work, None), ("", "_val"), (a.seed, a.seed + 1)):
        t0 = time.time()
        lat, ks = finish(te, net, pool, from_steps, sampler["guidanceScale"], sampler["frameSharedNoise"], seed)
        np.savez(os.path.join(a.work, f"{a.name}{v}.npz"), lat=lat, ks=ks)
        figures[a.name + v] = dict(clips=len(lat), seconds=round(time.time() - t0, 1), by_step=kind_agreement(pool, lat, ks))
        log(f"{a.name}{v}: {len(lat)} clips in {time.time() - t0:.0f}s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

"""Does a model's DiT tell the shape kinds apart at each noise level? A diffusion classifier on held-out
single-shape clips (no digits): at each t, with the same noise (two draws), the flow loss with the caption's kind
word set to circle, square and triangle; the lowest loss is the reading. Prints accuracy by t and true kind, and the
mean loss gap between the true caption and the best wrong one; ~5 minutes on one thread. The latents come from the
training encoder (`--vae`, by default the chain's fp32 `checkpoints/tc2c16-vae.pt`), as the DiT saw them in training; a
model trained on another autoencoder names that one's checkpoint.

  /usr/bin/python3 model/shapes/kind_classifier.py --model model/shapes/checkpoints/dit-stage-5 [--clips 60] [--vae PT]
"""
import argparse
import os
import re
import sys
from collections import Counter

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import stream_clips, to_model, tokenize  # noqa: E402
from from_onnx import load_model  # noqa: E402
from nets import video_noise  # noqa: E402
from train_common import load_vae  # noqa: E402
from train_dit import trim  # noqa: E402

KINDS = ["circle", "square", "triangle"]
FIRST = 99_700_000  # held out: past the training clips, apart from the DiT's validation and the probe's clips
TS = [0.95, 0.85, 0.75, 0.6, 0.45, 0.3]


def single_shape_clips(enc, n):
    """(kind, caption, latent) of the first n single-shape, non-digit clips from FIRST, 16 frames (2 s). About one
    clip in seven qualifies; the stream is read to its end (stopping it early breaks its pipe)."""
    out, count = [], 10 * n
    with torch.no_grad():
        for _, cap, f in stream_clips(FIRST, count, (16,)):
            words = [k for k in KINDS if re.search(rf"\b{k}\b", cap)]
            if len(out) < n and len(words) == 1 and " and " not in cap and "digit" not in cap and cap.count(words[0]) == 1:
                out.append((words[0], cap, enc(to_model(f[None]))[0]))
    if len(out) < n:
        raise RuntimeError(f"only {len(out)} single-shape clips in {count}")
    return out


def losses_by_kind(te, dit, clips, t, noise):
    """[N, 3]: each clip's flow loss at t with its caption's kind word set to each of KINDS."""
    x0 = torch.stack([c[2] for c in clips])
    xt, target = (1 - t) * x0 + t * noise, noise - x0
    out = []
    for k in KINDS:
        ids, mask = trim(torch.from_numpy(np.stack([tokenize(re.sub(rf"\b{c[0]}\b", k, c[1])) for c in clips])))
        pred = dit(xt, torch.full((len(x0),), t), te(ids), mask)
        out.append((pred - target).pow(2).flatten(1).mean(1))
    return torch.stack(out, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, help="an exported model folder")
    p.add_argument("--clips", type=int, default=60)
    p.add_argument("--vae", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints", "tc2c16-vae.pt"),
                   help="the autoencoder checkpoint the model's DiT was trained on (its encoder makes the latents)")
    a = p.parse_args()
    torch.set_num_threads(1)
    _, _, te, dit = load_model(a.model)
    enc, _ = load_vae(a.vae)
    enc.eval()
    clips = single_shape_clips(enc, a.clips)
    truth = torch.tensor([KINDS.index(c[0]) for c in clips])
    print("clips by kind", dict(Counter(c[0] for c in clips)))
    g = torch.Generator().manual_seed(11)
    shape = (len(clips), *clips[0][2].shape)
    with torch.no_grad():
        for t in TS:
            loss = torch.stack([losses_by_kind(te, dit, clips, t, video_noise(shape, g, 0.5)) for _ in range(2)]).mean(0)
            pick = loss.argmin(1)
            per = {k: f"{int(((pick == i) & (truth == i)).sum())}/{int((truth == i).sum())}" for i, k in enumerate(KINDS)}
            wrong = loss.masked_fill(torch.nn.functional.one_hot(truth, 3).bool(), float("inf")).min(1).values
            gap = float((loss.gather(1, truth[:, None])[:, 0] - wrong).mean())
            print(f"t {t}: accuracy {float((pick == truth).float().mean()):.0%} {per}  mean loss gap true - best wrong {gap:+.5f}")


if __name__ == "__main__":
    main()

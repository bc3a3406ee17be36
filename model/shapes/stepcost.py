"""Latent vs pixel: one denoising step of the same DiT over latents or over RGB pixels (B = 2, a 2 s clip at
8 fps = 16 frames), as analytic FLOPs and measured torch CPU wall time.

Over pixels at 112x64 the self-attention scores alone need ~39 GB, so the measurement computes self-attention
one block of queries at a time: the same arithmetic, the memory of one block. Weights do not change the cost,
so both DiTs are freshly initialised.

  /usr/bin/python3 model/shapes/stepcost.py --model models/kinema-shapes   # measure, rewrite training.json + card
  ... --rows-from OTHER/training.json   # reuse rows this script measured for another export of the same architecture
"""
import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets  # noqa: E402
from data import tokenize  # noqa: E402
from nets import DiT, TextEncoder, flops_per_step  # noqa: E402
from recipe_defaults import DIT_DEPTH, DIT_PATCH  # noqa: E402

D, HEADS, RATIO, FRAMES = 192, 6, 4.0, 16
QUERY_BLOCK = 1024  # 2 x 6 heads x 1024 x 28672 keys x 4 bytes = 1.4 GB of scores at a time
plain_attention = nets.attention


def blocked_attention(q, k, v, heads, bias=None):
    """nets.attention, computed over blocks of queries (exact: softmax is per query)."""
    if q.shape[1] <= QUERY_BLOCK:
        return plain_attention(q, k, v, heads, bias)
    return torch.cat([plain_attention(q[:, i:i + QUERY_BLOCK], k, v, heads, bias)
                      for i in range(0, q.shape[1], QUERY_BLOCK)], dim=1)


@contextmanager
def attention_in_blocks():
    nets.attention = blocked_attention  # Block.forward looks the name up in nets at call time
    try:
        yield
    finally:
        nets.attention = plain_attention


def time_step(dit, text, mask, shape, warmup, repeats):
    x, t = torch.randn(*shape), torch.tensor([0.5, 0.5])
    with torch.no_grad(), attention_in_blocks():
        for _ in range(warmup):
            dit(x, t, text, mask)
        t0 = time.time()
        for _ in range(repeats):
            dit(x, t, text, mask)
    return (time.time() - t0) / repeats * 1000


def latent_vs_pixel(measure_pixels=True, tc=4, latent_c=8, depth=DIT_DEPTH, patch=DIT_PATCH):
    """Rows of the card's table. measure_pixels=False skips the pixel step (18 minutes on the 2-core dev VM). The
    latent row is the model's own: latent_c channels, the 16 frames at temporal compression tc (1.3.0: 8 and 4), a
    DiT of `depth` blocks with its spatial patch (--dit-patch); the pixel rows keep the 2x2 patch."""
    torch.manual_seed(0)
    ids = torch.from_numpy(np.stack([tokenize(""), tokenize("a red circle moving left on a blue background")]))
    with torch.no_grad():
        text = TextEncoder()(ids)
    mask = (ids != 0).to(torch.int32)
    threads = torch.get_num_threads()
    cases = [("latent, native 112x64", (latent_c, 8, 14), tc, True, patch),
             ("pixels, native 112x64", (3, 64, 112), 1, measure_pixels, 2),
             ("pixels, 480p 848x480", (3, 480, 848), 1, False, 2)]
    rows, pixel_gflops_per_s = [], None
    for name, (c, h, w), temporal, measure, ps in cases:
        tokens = (FRAMES // temporal) * (h // ps) * (w // ps)
        gflops = flops_per_step(tokens, D, depth, RATIO, 128, 128, c * ps * ps) / 1e9
        row = dict(case=name, tokens_per_item=tokens, gflops=round(gflops, 2),
                   attention_matrix_gb=round(2 * HEADS * tokens * tokens * 4 / 1e9, 3), threads=threads)
        if measure:
            dit = DiT(in_c=c, grid=(h, w), depth=depth, patch=(1, ps, ps)).eval()
            small = h == 8  # the latent row (8 x 14 latent pixels), timed over many calls
            ms = time_step(dit, text, mask, (2, c, FRAMES // temporal, h, w), 3 if small else 0, 20 if small else 1)
            row.update(measured_ms=round(ms, 2), how="20 calls after 3 warm-up" if small else
                       f"1 call, self-attention in blocks of {QUERY_BLOCK} queries")
            if not small:
                pixel_gflops_per_s = gflops / (ms / 1000)
        else:
            row["measured_ms"] = None
            need = f"the self-attention scores alone (B=2, 6 heads, fp32) are {row['attention_matrix_gb']} GB"
            if pixel_gflops_per_s and gflops > 1e5:
                hours = gflops / pixel_gflops_per_s / 3600
                row["why_not_measured"] = (f"{need}; computed in blocks at the rate measured at 112x64, one step would"
                                           f" take about {hours:,.0f} hours")
            else:
                row["why_not_measured"] = need + ("; skipped by this export (minutes to tens of minutes on a CPU):"
                                                  " `model/shapes/stepcost.py --model DIR` measures it" if h == 64 else "")
        rows.append(row)
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="models/kinema-shapes", help="a folder with training.json (card rewritten)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--how", default="", help="added to each measured row's note (what else ran on the machine)")
    p.add_argument("--rows-from", default=None, help="a training.json whose rows this script measured: reuse them (same"
                   " architecture, and weights do not change the cost) instead of spending 18 minutes again")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    path = os.path.join(a.model, "training.json")
    st = json.load(open(path))
    m = json.load(open(os.path.join(a.model, "model.json")))
    shape = dict(tc=m["vae"]["temporalCompression"], latent_c=m["latentChannels"], depth=m["denoiser"].get("depth", DIT_DEPTH),
                 patch=m["denoiser"]["patchSize"][1])
    st["latent_vs_pixel"] = json.load(open(a.rows_from))["latent_vs_pixel"] if a.rows_from else latent_vs_pixel(**shape)
    for r in st["latent_vs_pixel"]:
        if a.how and r.get("measured_ms") is not None:
            r["how"] += f"; {a.how}"
    for r in st["latent_vs_pixel"]:
        print(json.dumps(r))
    from card import write_card
    write_card(SimpleNamespace(out=a.model), st)  # also rewrites training.json
    print(f"rewrote {path} and TRAINING.md; latent/pixel: "
          f"{st['latent_vs_pixel'][1]['measured_ms'] / st['latent_vs_pixel'][0]['measured_ms']:,.0f}x")


if __name__ == "__main__":
    main()

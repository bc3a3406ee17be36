"""A quick check (a few seconds, one thread) of train_dit.rollout_inputs, the --rollout inputs and targets:
- rows below ROLLOUT_MIN_T, and rows the share does not pick, keep plain flow matching's input and target;
- a rolled-out row's target leads back to the true clip: x_t - t target == x0;
- with a perfect model (its velocity the true noise - x0) the sampler's state is the data's, so the rollout gives
  plain flow matching exactly: the rows differ only by the model's own error;
- share 0 draws nothing from the generator, so a run without --rollout draws the batches it drew before the flag.
Exits non-zero on a failure.

  nice -n 19 /usr/bin/python3 model/shapes/check_rollout.py
"""
import os
import sys

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import tokenize  # noqa: E402
from nets import DiT, TextEncoder  # noqa: E402
from recipe_defaults import ROLLOUT_MIN_T  # noqa: E402
from train_dit import flow_loss, rollout_inputs, trim  # noqa: E402


class Perfect(torch.nn.Module):
    """Answers the true velocity of the rows it is asked about."""

    def __init__(self, v):
        super().__init__()
        self.v = v

    def forward(self, x, t, text, mask):
        return self.v


def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name)
    return ok


def main():
    torch.manual_seed(0)
    te, dit = TextEncoder(), DiT(in_c=16, positions="progress", tc=2)
    for p in dit.parameters():  # the output layers start at zero: give the fresh DiT an error to roll out
        torch.nn.init.normal_(p, std=0.02)
    t = torch.tensor([0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
    x0, noise = torch.randn(6, 16, 4, 8, 14), torch.randn(6, 16, 4, 8, 14)
    ids, mask = trim(torch.from_numpy(np.stack([tokenize("a red triangle rotating on a blue background")] * 6)))
    with torch.no_grad():
        text = te(ids)
    t5 = t.view(-1, 1, 1, 1, 1)
    xt, target = (1 - t5) * x0 + t5 * noise, noise - x0
    ok = True

    x, v = rollout_inputs(dit, x0, text, mask, t, noise, xt, target, 1.0, torch.Generator().manual_seed(1))
    rolled = [not torch.equal(x[i], xt[i]) for i in range(6)]
    ok &= check(f"share 1: every row at t >= {ROLLOUT_MIN_T} rolled out, the one below kept ({rolled})",
                rolled == [bool(v_ >= ROLLOUT_MIN_T) for v_ in t.tolist()] and torch.equal(v[0], target[0]))
    err = float((x - t5 * v - x0).abs().max())
    ok &= check(f"a rolled-out target leads to the true clip (max |x_t - t v - x0| {err:.2e})", err < 1e-5)

    g = torch.Generator().manual_seed(1)
    pick = (torch.rand(6, generator=g) < 1.0) & (t >= ROLLOUT_MIN_T)
    x, v = rollout_inputs(Perfect((noise - x0)[pick]), x0, text, mask, t, noise, xt, target, 1.0,
                          torch.Generator().manual_seed(1))
    dx, dv = float((x - xt).abs().max()), float((v - target).abs().max())
    ok &= check(f"a perfect model rolls out to plain flow matching (input {dx:.2e}, target {dv:.2e})", dx < 1e-5 and dv < 1e-5)

    g = torch.Generator().manual_seed(1)
    x, v = rollout_inputs(dit, x0, text, mask, t, noise, xt, target, 0.5, g)
    kept = [torch.equal(x[i], xt[i]) for i in range(6)]
    ok &= check(f"share 0.5: some rows kept, some rolled out ({kept})", any(kept[1:]) and not all(kept))

    g = torch.Generator().manual_seed(1)
    before = g.get_state()
    plain = flow_loss(te, dit, x0, ids, t, noise, rollout=(0.0, g))
    ok &= check("share 0 draws nothing from the generator", torch.equal(before, g.get_state()))
    same = flow_loss(te, dit, x0, ids, t, noise)
    ok &= check("share 0 is plain flow matching's loss", torch.equal(plain, same))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

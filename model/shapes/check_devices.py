"""The one check of the DiT phase's device path this machine can run (it has no GPU): the text encoder, the DiT (2x2
and 1x1 patches, and the refining head) and the encoder run forward on PyTorch's "meta" device, which holds shapes and no values, and the
flow-matching loss is built there from batches made on the CPU and moved, as train_dit.dit_loop makes them. A
tensor that a forward pass makes on the CPU itself (an arange without device=, say) then stops it with "Expected all
tensors to be on the same device", as it would stop a CUDA run (`gpu_stage.py`) minutes into its only call. What meta
cannot run is left out: values read back (train_dit.trim's count, done here on the CPU first), the median of
--fg-weight, --rollout's boolean indexing and the backward pass of a convolution.

  /usr/bin/python3 model/shapes/check_devices.py        (a few seconds; prints one JSON line)
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_dit  # noqa: E402
from data import tokenize  # noqa: E402
from nets import DiT, Encoder, TextEncoder, video_noise  # noqa: E402


def main():
    dev = torch.device("meta")
    ids, _ = train_dit.trim(torch.from_numpy(np.stack([tokenize("a red circle moving left"), tokenize("")])))
    cpu_trim = train_dit.trim
    train_dit.trim = lambda i: (i, (i != 0).to(torch.int32))  # (already trimmed: meta has no values to count)
    try:
        shapes = {}
        for patch, head in ((2, "linear"), (1, "linear"), (2, "conv")):
            te, dit = TextEncoder().to(dev), DiT(in_c=16, positions="progress", tc=2, patch=(1, patch, patch), head=head).to(dev)
            x0 = torch.randn(2, 16, 4, 8, 14)
            g = torch.Generator().manual_seed(0)
            loss = train_dit.flow_loss(te, dit, x0.to(dev), ids.to(dev), train_dit.sample_t(2, g).to(dev),
                                       video_noise(x0.shape, g, 0.5).to(dev))
            assert loss.device == dev, loss.device
            shapes[f"dit patch {patch} {head}"] = list(dit(x0.to(dev), torch.rand(2).to(dev), te(ids.to(dev)),
                                                  (ids != 0).to(torch.int32).to(dev)).shape)
        z = Encoder(tc=2, latent_c=16).to(dev)(torch.zeros(1, 3, 8, 64, 112).to(dev))
        shapes["encoder"] = list(z.shape)
    finally:
        train_dit.trim = cpu_trim
    print(json.dumps(dict(ok=True, device=str(dev), shapes=shapes)))


if __name__ == "__main__":
    main()

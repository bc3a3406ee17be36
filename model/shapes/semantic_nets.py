"""The semantic-channel model's networks (semantic.py says why the channels): stage 5's DiT and the autoencoder's decoder
widened to the semantic channels, and the wrappers the engine runs (SemanticDiT, ClampedDecoder). semantic_train.py
trains them; semantic_pairs.py samples with them."""
import os

import numpy as np
import torch

from nets import DiT, Decoder, TextEncoder
from semantic import AE_C, SEM_C, SEM_SCALE, TC
from train_common import load_vae

HERE = os.path.dirname(os.path.abspath(__file__))
STAGE5 = os.path.join(HERE, "checkpoints", "dit-stage-5")
VAE_FT = os.path.join(HERE, "checkpoints", "tc2c16-vae-ft1000.pt")


def widen_decoder():
    """tc2c16-vae-ft1000's decoder taking AE_C + SEM_C channels; the new inputs' weights start at zero."""
    _, dec0 = load_vae(VAE_FT)
    dec = Decoder(tc=TC, latent_c=AE_C + SEM_C)
    state = dec.state_dict()
    for k, v in dec0.state_dict().items():
        if k in ("mean", "std"):
            state[k][:AE_C] = v  # the semantic channels enter as they are (mean 0, std 1)
        elif k == "net.0.weight":
            state[k].zero_()
            state[k][:, :AE_C] = v
        else:
            state[k] = v
    dec.load_state_dict(state)
    return dec


def widen_dit(dit0, seed, embed_init=0.1):
    """stage 5's DiT taking and predicting AE_C + SEM_C channels. The new channels' patch-embedding weights and output
    rows start small and random (a tenth of the old rows' spread; the embedding `embed_init` of the old embedding's,
    0.2 in the run TRAINING-2.0.md reports): with both at zero, as a widened decoder's first layer,
    neither gets a gradient through the other (a first try, 200 steps, left the semantic loss where it started, 1.05 ->
    1.02); with a fresh layer's full-size start the warm start's loss on the old channels rose from 0.378 to 0.629."""
    torch.manual_seed(seed)
    dit = DiT(in_c=AE_C + SEM_C, positions="progress", tc=TC)
    state, patch = dit.state_dict(), int(np.prod(dit.patch))
    for k, v in dit0.state_dict().items():
        if k == "embed.weight":
            state[k][:, :AE_C] = v
            state[k][:, AE_C:] = torch.randn(state[k][:, AE_C:].shape) * (embed_init * float(v.std()))
        elif k in ("out.weight", "out.bias"):
            new = state[k].view(patch, AE_C + SEM_C, *v.shape[1:])
            old = v.view(patch, AE_C, *v.shape[1:])
            new[:, :AE_C] = old
            if k == "out.weight":
                new[:, AE_C:] = torch.randn(new[:, AE_C:].shape) * (0.1 * float(old.std()))
        else:
            state[k] = v
    dit.load_state_dict(state)
    return dit


class SemanticDiT(torch.nn.Module):
    """The denoiser the engine runs: the DiT's velocity for the autoencoder's channels; for the semantic ones its output
    rows are read as the clean maps x0 and turned into the velocity (x_t - x0) / t, the flow's own relation. A second
    try (fresh rows as velocities, 150 steps) left the semantic loss at 1.02, the loss of predicting nothing: a map is
    mostly zeros, and read as x0 a zero prediction is already right there (its velocity is x_t / t, which the rows
    would have had to learn to carry through six blocks), so the rows learn only where the shapes are."""

    def __init__(self, dit):
        super().__init__()
        self.dit, self.in_c = dit, dit.in_c

    def raw(self, latent, timestep, text, text_mask):
        return self.dit(latent, timestep, text, text_mask)

    def forward(self, latent, timestep, text, text_mask):
        out = self.raw(latent, timestep, text, text_mask)
        t = timestep.clamp(min=1e-3).view(-1, 1, 1, 1, 1)  # (the sampler never asks at t 0; the floor keeps 0/0 out)
        return torch.cat([out[:, :AE_C], (latent[:, AE_C:] - out[:, AE_C:]) / t], 1)


class ClampedDecoder(torch.nn.Module):
    """The decoder the engine runs: the kind maps clamped to [0, SEM_SCALE] first. A map is a coverage, never below 0,
    but the DiT's, after guidance (5x the difference from the empty prompt), are: at step 750 a sampled clip's kind
    channels held -0.05 a cell on average, which the decoder never met (its training maps are true ones plus
    N(0, 0.15), and a clamped true map is the map)."""

    def __init__(self, dec):
        super().__init__()
        self.dec, self.lc = dec, dec.lc

    def forward(self, z):
        return self.dec(torch.cat([z[:, :AE_C], clamp_kinds(z[:, AE_C:])], 1))


def clamp_kinds(maps):
    """semantic maps [N, SEM_C, ...] with the kind (and outline) channels clamped to [0, SEM_SCALE] (rotation's two as
    they are)"""
    return torch.cat([maps[:, :SEM_C - 2].clamp(0.0, SEM_SCALE), maps[:, SEM_C - 2:]], 1)


def new_semantic_dit():
    return SemanticDiT(DiT(in_c=AE_C + SEM_C, positions="progress", tc=TC))


def load_semantic_dit(work, weights):
    """(text encoder, SemanticDiT, checkpoint) of `work`'s sem_dit.pt, its moving averages (weights "ema") or raw weights"""
    d = torch.load(os.path.join(work, "sem_dit.pt"))
    te, net = TextEncoder(), new_semantic_dit()
    te.load_state_dict(d["ema_te" if weights == "ema" else "te"])
    net.load_state_dict(d["ema_dit" if weights == "ema" else "dit"])
    return te, net, d

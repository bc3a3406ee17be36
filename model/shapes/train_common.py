"""What train.py's phases share: the run's constants, its clip lengths and DiT shape, logging, the learning-rate
schedule, the autoencoder's checkpoints and the latent cache (train_flags.py, train_dit.py, export_ae.py import them)."""
import math
import os
import sys
import time

import numpy as np
import torch

from data import FRAMES, stream_clips, to_model, tokenize
from nets import DiT, Decoder, Encoder

VAE_HELDOUT = 99_000_000  # held-out clip indexes for PSNR / validation (inside [0, 1e8), never trained on)
DIT_HELDOUT = 99_500_000
T_PROBS = {2: 0.5, 4: 0.3, 6: 0.2}  # default latent frames (8, 16, 24 video frames) per DiT step


def set_t_probs(a, tc):
    """a.t_probs: --t-probs, else the default mix of clip lengths, in video frames (8, 16, 24: T_PROBS at tc 4), as
    latent frames at temporal compression tc (the autoencoder's: parse() takes --vae-tc, main() the loaded vae.pt's)"""
    default_probs = {t * 4 // tc: p_ for t, p_ in T_PROBS.items()}
    a.t_probs = ({int(k): float(v) for k, v in (kv.split(":") for kv in a.t_probs_flag.split(","))} if a.t_probs_flag
                 else default_probs)


def follow_autoencoder(a, enc):
    """--phase dit/export (and --init-from): the latent shape is the loaded autoencoder's, not the flags'."""
    for k, v in (("tc", enc.tc), ("latent_c", enc.lc)):
        if a.ae_flags[k] is not None and a.ae_flags[k] != v:
            sys.exit(f"--{'vae-tc' if k == 'tc' else 'latent-c'} {a.ae_flags[k]}: the autoencoder in use has {k} {v}")
    a.vae_tc, a.latent_c = enc.tc, enc.lc
    set_t_probs(a, enc.tc)


def new_dit(a):
    """The DiT this run trains or exports: the autoencoder's latent channels and temporal compression, --dit-positions,
    --dit-depth, --dit-patch, --dit-head."""
    return DiT(in_c=a.latent_c, positions=a.dit_positions, tc=a.vae_tc, depth=a.dit_depth, patch=(1, a.dit_patch, a.dit_patch),
               head=a.dit_head)


def device_of(module):
    return next(module.parameters()).device


def state_as(state, dtype):
    """A state dict with its tensors in dtype (float16 to carry a snapshot or a GPU stage's weights, back to float32)."""
    return {k: v.to(dtype) for k, v in state.items()}


def clip_frames(a):
    """Video frames of the DiT's training clips, one length per latent length in --t-probs (the stream cycles them):
    8, 16, 24 for the default mix at any temporal compression, as in 1.x."""
    return tuple(sorted(t * a.vae_tc for t in a.t_probs))


def log(*x):
    print(time.strftime("%H:%M:%S"), *x, flush=True)


def lr_at(step, peak, warm, total=0, decay=0):
    """linear warmup, then constant; with `decay`, a linear fall to 0 over the last `decay` of `total` steps"""
    fall = min(1.0, (total - step) / decay) if decay > 0 else 1.0
    return peak * min(1.0, (step + 1) / warm, fall)


def out_of_time(minutes, started):
    """--*-minutes: stop the phase after that much wall time. The learning rate is warmup-then-constant, so
    the run is a prefix of any longer one: rerunning with --*-steps set to the steps done reproduces it."""
    return minutes > 0 and time.time() - started > minutes * 60


def groups_of(frames, tc=4):  # uint8 [F, H, W, 3] -> [F/tc, tc, H, W, 3]
    return frames.reshape(-1, tc, *frames.shape[1:])


def arch_of(a):
    """The autoencoder's shape; saved in vae.pt as `arch` (Encoder(**arch), Decoder(**arch))."""
    return dict(tc=a.vae_tc, latent_c=a.latent_c)


def load_vae(path):
    """(Encoder, Decoder) with a checkpoint's weights, in the shape it records (none recorded: 1.3.0's)."""
    v = torch.load(path, map_location="cpu")
    enc, dec = Encoder(**v.get("arch", {})), Decoder(**v.get("arch", {}))
    enc.load_state_dict(v["enc"])
    dec.load_state_dict(v["dec"])
    return enc, dec


def psnr(enc, dec, clips):
    with torch.no_grad():
        errs = []
        for _, _, f in clips:
            x = to_model(f[None])
            y = dec(enc(x)).clamp(-1, 1)
            errs.append(((y - x) / 2).pow(2).mean().item())
    return float(np.mean([10 * math.log10(1 / e) for e in errs]))


def encode_clips(enc, start, count, work=None, frames=FRAMES):
    """-> {T: (latents float16 [N, 8, T, 8, 14], ids int64 [N, 128])}, clip i of `frames[i % len(frames)]` video frames;
    cached in `work` (a resumed run reuses the encoding instead of spending minutes on it again)"""
    tag = "" if tuple(frames) == FRAMES else "-f" + "-".join(map(str, frames))  # 1.x's cache name for the default
    cache = os.path.join(work, f"latents-{start}-{count}{tag}.npz") if work else None
    if cache and os.path.exists(cache):
        data = np.load(cache)
        return {int(k[2:]): (data[k], data["i_" + k[2:]]) for k in data.files if k.startswith("z_")}
    pools, device = {}, device_of(enc)  # (--device: the encoder is where the DiT trains)
    with torch.no_grad():
        for _, cap, f in stream_clips(start, count, frames):
            z = enc(to_model(f[None]).to(device))[0].cpu().numpy().astype(np.float16)
            pools.setdefault(z.shape[1], ([], []))
            pools[z.shape[1]][0].append(z)
            pools[z.shape[1]][1].append(tokenize(cap))
    pools = {t: (np.stack(z), np.stack(i)) for t, (z, i) in pools.items()}
    if cache:
        np.savez(cache, **{f"z_{t}": z for t, (z, _) in pools.items()}, **{f"i_{t}": i for t, (_, i) in pools.items()})
    return pools

"""Train kinema-shapes on CPU and export it (ONNX + model.json + TRAINING.md + training.json).

  /usr/bin/python3 model/shapes/train.py --out models/kinema-shapes            # full run
  /usr/bin/python3 model/shapes/train.py --out /tmp/ks --quick                 # ~3 min smoke run
  /usr/bin/python3 model/shapes/train.py --out models/kinema-shapes --phase export   # from checkpoints

Phases: vae (frame-group autoencoder) -> encode (clips to normalised latents) -> dit (text encoder + DiT,
flow matching) -> export. Checkpoints go to --work so a run can be exported mid-way.
"""
import json
import os
import sys
import time

# One BLAS/OpenMP thread: on this shared 2-core machine, 2 intra-op threads spent most of their time
# spinning at barriers (a DiT step measured 12 s wall / 4 s CPU at 2 threads vs 1.3 s / 0.25 s at 1).
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import random_groups, stream_clips, to_model  # noqa: E402
from nets import LATENT_NOISE, Decoder, Encoder, recon_loss  # noqa: E402
from train_common import (VAE_HELDOUT, arch_of, follow_autoencoder, groups_of, load_vae, log, lr_at,  # noqa: E402
                          out_of_time, psnr)
from train_dit import load_ckpts, train_dit  # noqa: E402
from train_flags import parse  # noqa: E402


# ------------------------------------------------------------------------------------------ VAE
def train_vae(a, stats):
    torch.manual_seed(a.seed)
    t0 = time.time()
    groups = np.concatenate([groups_of(f, a.vae_tc) for _, _, f in stream_clips(0, a.vae_clips)])
    held = list(stream_clips(VAE_HELDOUT, 16 if a.quick else 48))
    log(f"vae data: {len(groups)} groups from {a.vae_clips} clips ({time.time() - t0:.0f}s)")
    arch = arch_of(a)
    enc, dec = Encoder(**arch), Decoder(**arch)
    path = os.path.join(a.work, "vae.pt")
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    g = torch.Generator().manual_seed(a.seed)
    curve, run = [], []
    t1 = time.time()
    step = 0
    if a.resume and os.path.exists(path + ".partial"):
        # Everything the loop's next step depends on was saved with the partial, so a run stopped and resumed
        # (a session's end) computes exactly what one uninterrupted run computes.
        v = torch.load(path + ".partial")
        if "opt" not in v:
            sys.exit(f"{path}.partial has no optimizer state (written before resumable partials): rerun the phase")
        enc.load_state_dict(v["enc"])
        dec.load_state_dict(v["dec"])
        opt.load_state_dict(v["opt"])
        g.set_state(v["generator"])
        step, curve = v["step"], v["curve"]
        t1 -= curve[-1][2] if curve else 0  # the curve's wall clock goes on from the stopped run's
        stats["vae_resumed_from"] = stats.get("vae_resumed_from", []) + [step]
        log(f"vae resumed at step {step}")
    while step < a.vae_steps:
        if out_of_time(a.vae_minutes, t1):
            a.vae_steps = step
            break
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, 1e-3, 50)
        x = random_groups(groups, a.vae_batch, g)  # [B, 3, tc, H, W]
        z = enc.raw(x)
        zn = z + LATENT_NOISE * torch.randn(z.shape, generator=g)
        y = dec.raw(zn)
        loss = recon_loss(x, y) + 1e-3 * z.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        run.append(loss.item())
        if (step + 1) % 25 == 0 or step + 1 == a.vae_steps or out_of_time(a.vae_minutes, t1):
            curve.append([step + 1, float(np.mean(run)), round(time.time() - t1, 1)])
            run = []
            log(f"vae step {step + 1}/{a.vae_steps} loss {curve[-1][1]:.4f}")
        if (step + 1) % 250 == 0:  # a run stopped from outside keeps its weights (not yet normalised) and can --resume
            torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict(), arch=arch, step=step + 1, curve=curve,
                            opt=opt.state_dict(), generator=g.get_state()), path + ".partial.tmp")
            os.replace(path + ".partial.tmp", path + ".partial")  # a kill mid-write leaves the previous one whole
        step += 1
    # latent normalisation: per-channel mean/std over training groups, folded into encoder and decoder
    with torch.no_grad():
        sub = groups[: min(len(groups), 2000)]
        zs = torch.cat([enc.raw(to_model(sub[i:i + 64].reshape(-1, a.vae_tc, 64, 112, 3))) for i in range(0, len(sub), 64)])
        mean, std = zs.mean((0, 2, 3, 4)), zs.std((0, 2, 3, 4))
        for m in (enc, dec):
            m.mean.copy_(mean)
            m.std.copy_(std)
    stats["vae"] = dict(clips=a.vae_clips, groups=int(len(groups)), steps=a.vae_steps, batch_groups=a.vae_batch,
                        final_loss=curve[-1][1], curve=curve, heldout_psnr_db=psnr(enc, dec, held),
                        heldout_clips=[VAE_HELDOUT, VAE_HELDOUT + len(held)], raw_latent_std=std.tolist(),
                        raw_latent_mean=mean.tolist(), wall_s=round(time.time() - t0, 1), **arch)
    log(f"vae done: held-out PSNR {stats['vae']['heldout_psnr_db']:.2f} dB")
    torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict(), arch=arch), path)
    return enc, dec


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    stats_path = os.path.join(a.work, "stats.json")
    stats = json.load(open(stats_path)) if a.phase in ("dit", "export") and os.path.exists(stats_path) else {}
    if a.seed is None:  # an export of a run seeded with N validates and records as that run did, not as seed 1234
        a.seed = stats.get("seed", 1234) if a.phase == "export" else 1234
    stats.update(torch=torch.__version__, threads=a.threads, seed=a.seed, quick=a.quick, argv=sys.argv[1:])
    t0 = time.time()
    if a.phase in ("all", "vae") and not a.init_from:
        enc, dec = train_vae(a, stats)
        json.dump(stats, open(stats_path, "w"))
    if a.phase in ("all", "dit"):
        if a.init_from:  # no VAE or decoder phase: those come from the starting model
            from from_onnx import start_from, temporal_positions
            if temporal_positions(a.init_from) != a.dit_positions:  # not a weight: the flag would silently win
                sys.exit(f"--dit-positions {a.dit_positions}: {a.init_from}'s DiT has {temporal_positions(a.init_from)} positions")
            enc = start_from(a.init_from, a.work, stats, log, resume=a.resume)
        elif a.phase == "dit":
            enc = load_vae(os.path.join(a.work, "vae.pt"))[0]
        follow_autoencoder(a, enc)  # the DiT's in_c and the latent lengths of its clips are the autoencoder's
        train_dit(a, enc, stats)
        json.dump(stats, open(stats_path, "w"))
    if a.phase in ("all", "decoder") and not a.init_from:
        from decoder import finetune_decoder
        finetune_decoder(a, log, groups_of, psnr, lr_at, out_of_time, VAE_HELDOUT)
    if a.phase in ("all", "export"):
        from export import export_all
        enc, dec, te, dit = load_ckpts(a, stats)
        for m in (enc, dec, te, dit):
            m.eval()
        export_all(a, enc, dec, te, dit, stats)
        json.dump(stats, open(stats_path, "w"))
    log(f"total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

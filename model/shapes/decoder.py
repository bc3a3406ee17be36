"""Phase "decoder": more training for the VAE decoder with the encoder frozen. The latent space (and so the
DiT trained on it) does not change, so this phase can run beside the DiT phase (on the other core) and its
result is the same as running it after. Writes vae_ft.pt (the export prefers it) and stats_decoder.json."""
import json
import os
import time

import numpy as np
import torch

from data import random_groups, stream_clips
from nets import LATENT_NOISE, Decoder, Encoder, recon_loss


def finetune_decoder(a, log, groups_of, psnr, lr_at, out_of_time, vae_heldout):
    t0 = time.time()
    torch.manual_seed(a.seed + 10)
    v = torch.load(os.path.join(a.work, "vae.pt"))
    arch = v.get("arch", {})  # the autoencoder's shape (absent: 1.3.0's)
    enc, dec = Encoder(**arch), Decoder(**arch)
    enc.load_state_dict(v["enc"])
    dec.load_state_dict(v["dec"])
    enc.requires_grad_(False)
    groups = np.concatenate([groups_of(f, enc.tc) for _, _, f in stream_clips(0, a.dec_clips)])
    held = list(stream_clips(vae_heldout, 16 if a.quick else 48))
    psnr_before = psnr(enc, dec, held)
    log(f"decoder data: {len(groups)} groups from {a.dec_clips} clips; held-out PSNR before {psnr_before:.2f} dB")
    opt = torch.optim.Adam(dec.parameters(), lr=5e-4)
    g = torch.Generator().manual_seed(a.seed + 11)
    curve, run, t1, step = [], [], time.time(), 0
    while step < a.dec_steps:
        if out_of_time(a.dec_minutes, t1):
            a.dec_steps = step
            break
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, 5e-4, 50)
        x = random_groups(groups, a.vae_batch, g)
        with torch.no_grad():
            z = enc.raw(x)
        y = dec.raw(z + LATENT_NOISE * torch.randn(z.shape, generator=g))
        loss = recon_loss(x, y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
        opt.step()
        run.append(loss.item())
        if (step + 1) % 50 == 0 or step + 1 == a.dec_steps or out_of_time(a.dec_minutes, t1):
            curve.append([step + 1, float(np.mean(run)), round(time.time() - t1, 1)])
            run = []
            log(f"decoder step {step + 1}/{a.dec_steps} loss {curve[-1][1]:.4f}")
        if (step + 1) % 200 == 0:
            torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict(), arch=arch, step=step + 1), os.path.join(a.work, "vae_ft.pt"))
        step += 1
    torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict(), arch=arch, step=step), os.path.join(a.work, "vae_ft.pt"))
    st = dict(clips=a.dec_clips, groups=int(len(groups)), steps=step, batch_groups=a.vae_batch, final_loss=curve[-1][1] if curve else None,
              curve=curve, heldout_psnr_db_before=psnr_before, heldout_psnr_db=psnr(enc, dec, held), wall_s=round(time.time() - t0, 1))
    json.dump(st, open(os.path.join(a.work, "stats_decoder.json"), "w"))
    log(f"decoder done: {step} steps, held-out PSNR {st['heldout_psnr_db']:.2f} dB")
    return st

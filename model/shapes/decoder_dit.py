"""A decoder that knows the DiT's errors: the VAE decoder fine-tuned on pairs of (the DiT's final latent from a clip's
noised ground truth, the truth's frames) from model/shapes/make-pairs.ts, each batch half such pairs and half clean
reconstructions (the encoder frozen, nets.LATENT_NOISE on their latents) so the autoencoder's own ceiling stays. The latent space
does not change, so the DiT and its chain do not either. Writes a checkpoint in vae_ft.pt's form (a work folder's
export takes it) and, with --snapshot, a copy of that snapshot with this decoder in place of its own, for a look.

  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 model/shapes/decoder_dit.py \\
    --pairs PREFIX --vae model/shapes/checkpoints/tc2c16-vae-ft1000.pt --ckpt OUT.pt [--snapshot DIR --export DIR]
"""
import argparse
import json
import os
import shutil
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import stream_clips, to_model  # noqa: E402
from export import _export, decoder_spec, round_fp16  # noqa: E402
from nets import LATENT_NOISE, recon_loss  # noqa: E402
from provenance import sha256  # noqa: E402
from train_common import VAE_HELDOUT, load_vae, log, lr_at, psnr  # noqa: E402


def read_pairs(prefix):
    meta = json.load(open(prefix + ".json"))
    n, (c, t, h, w) = meta["count"], meta["latent"]
    lat = np.fromfile(prefix + ".lat", dtype=np.float32).reshape(n, c, t, h, w)
    rgb = np.fromfile(prefix + ".rgb", dtype=np.uint8).reshape(n, meta["frames"], meta["height"], meta["width"], 3)
    return meta, lat, rgb


def pair_batch(lat, rgb, lo, hi, size, tc, g):
    """`size` random latent frames of pairs lo..hi-1 (the decoder decodes each on its own) and their tc frames"""
    i = torch.randint(lo, hi, (size,), generator=g).numpy()
    j = torch.randint(0, lat.shape[2], (size,), generator=g).numpy()
    z = torch.from_numpy(np.ascontiguousarray(lat[i, :, j][:, :, None]))
    return z, to_model(np.stack([rgb[a, b * tc:(b + 1) * tc] for a, b in zip(i, j)]))


def held_loss(dec, lat, rgb, lo, hi):
    """the recon loss of the held-out pairs' whole clips, the figure the fine-tune lowers"""
    with torch.no_grad():
        return float(np.mean([recon_loss(to_model(rgb[s:s + 20]), dec(torch.from_numpy(lat[s:s + 20])).clamp(-1, 1)).item()
                              for s in range(lo, hi, 20)]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", required=True, help="make-pairs.ts's --out PREFIX")
    p.add_argument("--vae", required=True, help="the autoencoder checkpoint the snapshot was exported with")
    p.add_argument("--ckpt", required=True, help="where the fine-tuned autoencoder goes (vae_ft.pt's form)")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=16, help="latent frames of pairs a step, and as many clean groups")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--hold", type=int, default=200, help="the last pairs, held out for the figure")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--snapshot", help="a model folder (the DiT the pairs came from) to copy with this decoder in it")
    p.add_argument("--export", help="where that copy goes")
    a = p.parse_args()
    if bool(a.snapshot) != bool(a.export):
        p.error("--snapshot and --export go together")
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    meta, lat, rgb = read_pairs(a.pairs)
    if not 20 <= a.hold < meta["count"] or a.hold % 20:
        p.error(f"--hold: a multiple of 20 below the {meta['count']} pairs")
    n = meta["count"] - a.hold
    enc, dec = load_vae(a.vae)
    enc.requires_grad_(False)
    if lat.shape[1] != dec.lc:
        p.error(f"the pairs' latents have {lat.shape[1]} channels, the autoencoder {dec.lc}")
    held = list(stream_clips(VAE_HELDOUT, 48))
    figures = dict(pairs=meta["count"], held_out=a.hold, source=meta.get("model"), before=dict(
        pair_loss=held_loss(dec, lat, rgb, n, n + a.hold), clean_psnr_db=psnr(enc, dec, held)))
    log(f"before: held-out pair loss {figures['before']['pair_loss']:.4f}, clean held-out PSNR {figures['before']['clean_psnr_db']:.2f} dB")
    opt = torch.optim.Adam(dec.parameters(), lr=a.lr)
    g, t0, run = torch.Generator().manual_seed(a.seed + 1), time.time(), []
    for step in range(a.steps):
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, a.lr, 50)
        z, x = pair_batch(lat, rgb, 0, n, a.batch, dec.tc, g)
        _, xc = pair_batch(lat, rgb, 0, n, a.batch, dec.tc, g)
        with torch.no_grad():
            zc = enc.raw(xc)
        loss = recon_loss(x, dec(z)) + recon_loss(xc, dec.raw(zc + LATENT_NOISE * torch.randn(zc.shape, generator=g)))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
        opt.step()
        run.append(loss.item())
        if (step + 1) % 100 == 0:
            log(f"decoder-dit step {step + 1}/{a.steps} loss {np.mean(run):.4f} ({time.time() - t0:.0f}s)")
            run = []
    figures["after"] = dict(pair_loss=held_loss(dec, lat, rgb, n, n + a.hold), clean_psnr_db=psnr(enc, dec, held))
    figures.update(steps=a.steps, wall_s=round(time.time() - t0, 1))
    torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict(), arch=dict(tc=enc.tc, latent_c=enc.lc), step=a.steps,
                    decoder_dit=figures), a.ckpt)
    if a.export:
        shutil.rmtree(a.export, ignore_errors=True)
        shutil.copytree(a.snapshot, a.export)
        dec.eval()
        round_fp16(enc, dec)  # as export.py ships every graph
        module, args, name, inputs, outputs, axes = decoder_spec(dec)
        _export(module, args, os.path.join(a.export, name), inputs, outputs, axes)
        manifest_path = os.path.join(a.export, "model.json")
        manifest = json.load(open(manifest_path))
        manifest["files"][name] = sha256(os.path.join(a.export, name))
        json.dump(manifest, open(manifest_path, "w"), indent=2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

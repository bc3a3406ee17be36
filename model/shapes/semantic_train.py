"""Trains and exports a kinema-shapes candidate with semantic latent channels (semantic.py says why).

  P="/usr/bin/python3 model/shapes/semantic_train.py"
  $P cache   --work W [--clips 3000] [--decoder-clips 1200]
  $P decoder --work W [--steps 2000] [--circle-share 0.5] [--decoder-from PT --decoder-out NAME]
             [--pairs pairs --pair-share 0.5]   (semantic_pairs.py's finishes of the DiT as a share of the rows)
  $P dit     --work W [--minutes 80] [--seed 1253] [--amp bf16] [--embed-init 0.2] [--sem-weight 4] [--digit-weight 1]
  $P export  --work W --out FOLDER [--decoder-out NAME] [--weights ema|raw]
  $P ceiling-latents --work W --mode truth|circles --frames 16 --out DIR   (for semantic-ceiling.ts)
  $P maps    --work W [--weights ema|raw]   (do the DiT's generated maps name the golden captions' kinds?)
  (KINEMA_SEM_MAPS=outline4 in the environment of every command for the maps with an outline: semantic.py)

The autoencoder's encoder is checkpoints/tc2c16-vae.pt's (fp32, every stage's); the decoder starts from
tc2c16-vae-ft1000.pt's with its first convolution widened (the new channels' weights start at zero); the DiT and
text encoder start from checkpoints/dit-stage-5 with the patch embedding and output layer widened (the new weights
small and random: widen_dit says why), so the warm start computes nearly stage 5's function on the 16 channels it
had. model/shapes/TRAINING-2.0.md ("Semantic latent channels") has the commands run and their figures. One process,
one thread.
"""
import argparse
import json
import os
import shutil
import time

import numpy as np
import torch

import export as ex
from data import HEIGHT, WIDTH, stream_clips, to_model, tokenize
from nets import LATENT_NOISE, Decoder, TextEncoder, recon_loss, video_noise
from semantic import AE_C, KINDS, MAPS, SEM_C, TC, as_circles, circle_frames, semantic_maps
from semantic_nets import STAGE5, ClampedDecoder, SemanticDiT, clamp_kinds, load_semantic_dit, new_semantic_dit, widen_decoder, widen_dit
from dataset_py import DIGITS, render_clip, sample_clip
from provenance import sha256
from train_common import DIT_HELDOUT, load_vae, log, lr_at
from train_dit import EMA_DECAY, sample_t, trim

HERE = os.path.dirname(os.path.abspath(__file__))
VAE = os.path.join(HERE, "checkpoints", "tc2c16-vae.pt")
T_PROBS = {4: 0.3, 8: 0.3, 12: 0.2, 16: 0.2}  # stage 5's clip-length mix (latent frames)
DEC_HELDOUT = 99_600_000
LEVEL2_STEPS = 30  # the FREE step budget level 2 samples at


def encode_pools(enc, start, count, frames_cycle, circles=False):
    """{T: dict(z, s, ids[, zc, x])}: the autoencoder's latents, the semantic maps and token ids of clips
    [start, start + count); with circles, also the latents of the all-circles clip and the true frames."""
    pools = {}
    with torch.no_grad():
        for index, cap, f in stream_clips(start, count, frames_cycle):
            spec = sample_clip(index)
            z = enc(to_model(f[None]))[0].numpy()
            p = pools.setdefault(z.shape[1], dict(z=[], s=[], ids=[], zc=[], x=[]))
            p["z"].append(z.astype(np.float16))
            p["s"].append(semantic_maps(spec, len(f), TC, WIDTH, HEIGHT).astype(np.float16))
            p["ids"].append(tokenize(cap))
            if circles:
                c = circle_frames(index, len(f), WIDTH, HEIGHT)
                p["zc"].append(enc(to_model(c[None]))[0].numpy().astype(np.float16))
                p["x"].append(f)
    return {t: {k: np.stack(v) for k, v in p.items() if v} for t, p in pools.items()}


def save_pools(path, pools):
    np.savez(path, **{f"{k}_{t}": v for t, p in pools.items() for k, v in p.items()})


def load_pools(path):
    data, pools = np.load(path), {}
    for key in data.files:
        k, t = key.rsplit("_", 1)
        pools.setdefault(int(t), {})[k] = data[key]
    return pools


def check_maps(work):
    """refuses a work folder cached with another KINEMA_SEM_MAPS layout than this process's (folders from before the
    layouts existed hold the default's maps)"""
    path = os.path.join(work, "maps.json")
    cached = json.load(open(path))["maps"] if os.path.exists(path) else "cells"
    if cached != MAPS:
        raise SystemExit(f"{work} holds KINEMA_SEM_MAPS={cached} maps; this run has KINEMA_SEM_MAPS={MAPS}")


def cmd_cache(a):
    json.dump(dict(maps=MAPS, channels=SEM_C), open(os.path.join(a.work, "maps.json"), "w"))
    enc, _ = load_vae(VAE)
    enc.eval()
    frames = tuple(sorted(t * TC for t in T_PROBS))
    t0 = time.time()
    if a.decoder_clips:
        save_pools(os.path.join(a.work, "dec.npz"), encode_pools(enc, 0, a.decoder_clips, (8,), circles=True))
        save_pools(os.path.join(a.work, "dec_val.npz"), encode_pools(enc, DEC_HELDOUT, 48, (8,), circles=True))
        log(f"decoder data: {a.decoder_clips} clips, {time.time() - t0:.0f}s")
    save_pools(os.path.join(a.work, "val.npz"), encode_pools(enc, DIT_HELDOUT, 96, frames))
    save_pools(os.path.join(a.work, "dit.npz"), encode_pools(enc, 0, a.clips, frames))
    log(f"DiT data: {a.clips} clips, {time.time() - t0:.0f}s")


def decoder_batch(pool, idx, g, circle_share, pair_share=0.0):
    """Frame groups: input latents (the circle clip's for a circle_share of rows) + noised semantic maps, true frames;
    with pairs (semantic_pairs.py's, as pool["p"]), a pair_share of the rows the DiT's own finish instead, as given."""
    n, t = len(idx), pool["z"].shape[2]
    cell = torch.randint(t, (n,), generator=g).numpy()
    take = lambda k: torch.from_numpy(pool[k][idx, :, cell][:, :, None].astype(np.float32))  # [n, C, 1, 8, 14]
    use_c = (torch.rand(n, generator=g) < circle_share).view(-1, 1, 1, 1, 1)
    z = torch.where(use_c, take("zc"), take("z")) + LATENT_NOISE * torch.randn(n, AE_C, 1, 8, 14, generator=g)
    s = take("s")
    s = s + 0.15 * torch.randn(s.shape, generator=g)  # the DiT's maps will not be exact
    if pair_share > 0:  # (drawn only then: runs without pairs draw the batches they drew before pairs existed)
        use_p, p = (torch.rand(n, generator=g) < pair_share).view(-1, 1, 1, 1, 1), take("p")
        z, s = torch.where(use_p, p[:, :AE_C], z), torch.where(use_p, clamp_kinds(p[:, AE_C:]), s)
    frames = pool["x"][idx].reshape(n, t, TC, HEIGHT, WIDTH, 3)[np.arange(n), cell]
    return torch.cat([z, s], 1), to_model(frames)


def decoder_error(dec, pool, circle_share, pair_share=0.0):
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        z, x = decoder_batch(pool, np.arange(len(pool["z"])), g, circle_share, pair_share)
        return float(recon_loss(x, dec(z)))


def decoder_errors(dec, val):
    """the held-out clips' loss from the all-circles latents, the truth's and (with pairs) the DiT's finish"""
    kinds = dict(circles=(1.0, 0.0), truth=(0.0, 0.0), **(dict(pairs=(0.0, 1.0)) if "p" in val else {}))
    return " ".join(f"{k} {decoder_error(dec, val, *shares):.4f}" for k, shares in kinds.items())


def load_decoder_pools(work, pairs):
    """dec.npz's and dec_val.npz's frame groups (4 latent frames), with `pairs` (semantic_pairs.py's files) as p"""
    pools = [load_pools(os.path.join(work, f"dec{v}.npz"))[4] for v in ("", "_val")]
    if pairs:
        for pool, v in zip(pools, ("", "_val")):
            pool["p"] = np.load(os.path.join(work, f"{pairs}{v}.npz"))["lat"]
    return pools


def cmd_decoder(a):
    torch.manual_seed(a.seed)
    dec = widen_decoder()
    if a.decoder_from:  # go on from an earlier run's decoder (a fresh optimizer and schedule)
        dec.load_state_dict(torch.load(a.decoder_from)["dec"])
    pool, val = load_decoder_pools(a.work, a.pairs)
    pair_share = a.pair_share if a.pairs else 0.0
    log(f"decoder start: val loss {decoder_errors(dec, val)}")
    opt = torch.optim.AdamW(dec.parameters(), lr=3e-4, weight_decay=0.0)
    g, rs, t0, run = torch.Generator().manual_seed(a.seed + 2), np.random.RandomState(a.seed + 3), time.time(), []
    for step in range(a.steps):
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, 3e-4, 100, a.steps, a.steps // 4)
        z, x = decoder_batch(pool, rs.randint(len(pool["z"]), size=a.batch), g, a.circle_share, pair_share)
        loss = recon_loss(x, dec(z))
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.append(loss.item())
        if (step + 1) % 100 == 0:
            log(f"decoder step {step + 1}/{a.steps} loss {np.mean(run):.4f} ({time.time() - t0:.0f}s)")
            run = []
    log(f"decoder end: val loss {decoder_errors(dec, val)}")
    before = torch.load(a.decoder_from) if a.decoder_from else dict(steps=0, runs=[])
    runs = before.get("runs", [dict(steps=before["steps"], circle_share=0.5)]) + [dict(steps=a.steps, circle_share=a.circle_share, pairs=a.pairs, pair_share=pair_share)]
    torch.save(dict(dec=dec.state_dict(), steps=before["steps"] + a.steps, runs=runs, wall_s=round(time.time() - t0, 1)),
               os.path.join(a.work, a.decoder_out))


def semantic_loss(te, net, x0, ids, t, noise, map_weight=None):
    """(flow loss on the autoencoder's channels, squared error of the semantic maps read as x0): the first is the
    stages' loss, comparable with their validation; map_weight [SEM_C], when given, weighs each map's error"""
    ids, mask = trim(ids)
    t5 = t.view(-1, 1, 1, 1, 1)
    out = net.raw((1 - t5) * x0 + t5 * noise, t, te(ids), mask)
    sem = (out[:, AE_C:] - x0[:, AE_C:]).pow(2)
    if map_weight is not None:
        sem = sem * map_weight.view(1, -1, 1, 1, 1)
    return (out[:, :AE_C] - (noise - x0)[:, :AE_C]).pow(2).mean(), sem.mean()


def digit_weights(weight):
    """[SEM_C] ones with `weight` on the digit channels, or None at 1. Why: a digit is about 1 shape in 50 of the
    training clips, and stage 5's widened DiT formed no digit channel for any golden digit prompt (maps: 0/4)."""
    if weight == 1:
        return None
    w = torch.ones(SEM_C)
    w[[KINDS.index(d) for d in DIGITS]] = weight
    return w


def golden_clips():
    return json.load(open(os.path.join(HERE, "..", "..", "eval", "golden", "shapes.json")))["clips"]


def x0_of(p, idx):
    return torch.from_numpy(np.concatenate([p["z"][idx], p["s"][idx]], 1).astype(np.float32))


def validate(te, net, val, seed):
    """stage-style validation (fixed t grid and noise, 96 held-out clips): semantic_loss's two parts"""
    g, parts = torch.Generator().manual_seed(seed), []
    with torch.no_grad():
        for t_len, p in sorted(val.items()):
            x0 = x0_of(p, np.arange(len(p["z"])))
            t = torch.linspace(0.05, 0.95, len(x0))
            parts.append([v.item() for v in semantic_loss(te, net, x0, torch.from_numpy(p["ids"]), t, video_noise(x0.shape, g, 0.5))])
    return tuple(float(v) for v in np.mean(parts, 0))


def cmd_dit(a):
    from from_onnx import load_model
    torch.manual_seed(a.seed + 1)
    _, _, te, dit0 = load_model(STAGE5)
    dit = SemanticDiT(widen_dit(dit0, a.seed + 4, a.embed_init))
    ema_te, ema_dit = TextEncoder(), new_semantic_dit()
    ema_te.load_state_dict(te.state_dict())
    ema_dit.load_state_dict(dit.state_dict())
    pools, val = load_pools(os.path.join(a.work, "dit.npz")), load_pools(os.path.join(a.work, "val.npz"))
    log("warm start from stage 5: val loss (autoencoder channels, semantic) %.4f %.4f" % validate(te, dit, val, a.seed))
    params, ema_params = list(te.parameters()) + list(dit.parameters()), list(ema_te.parameters()) + list(ema_dit.parameters())
    opt = torch.optim.AdamW(params, lr=3e-4, weight_decay=0.01)
    g, rs = torch.Generator().manual_seed(a.seed + 2), np.random.RandomState(a.seed + 3)
    ts, probs = list(T_PROBS), np.array(list(T_PROBS.values()))
    map_weight = digit_weights(a.digit_weight)
    empty, t0, run, curve, step = torch.from_numpy(tokenize("")), time.time(), [], [], 0
    modules = dict(te=te, dit=dit, ema_te=ema_te, ema_dit=ema_dit)
    save = lambda **extra: save_checkpoint(a.work, modules, step=step, curve=curve, **extra)  # (reads step, curve when called)
    while time.time() - t0 < a.minutes * 60 and step < a.steps:
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, 3e-4, 100)
        p = pools[ts[rs.choice(len(ts), p=probs)]]
        idx = rs.randint(len(p["z"]), size=a.batch)
        x0, ids = x0_of(p, idx), torch.from_numpy(p["ids"][idx])
        ids[torch.from_numpy(rs.rand(a.batch) < 0.1)] = empty  # caption dropout: the unconditional prompt for guidance
        t, noise = sample_t(a.batch, g), video_noise(x0.shape, g, 0.5)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.amp == "bf16"):
            ae, sem = semantic_loss(te, dit, x0, ids, t, noise, map_weight)
            loss = ae + a.sem_weight * sem
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            for pe, q in zip(ema_params, params):
                pe.mul_(EMA_DECAY).add_(q.detach(), alpha=1 - EMA_DECAY)
        run.append([loss.item(), ae.item(), sem.item()])
        step += 1
        if step % 25 == 0:
            curve.append([step, *[float(v) for v in np.mean(run, 0)], round(time.time() - t0, 1)])
            log(f"dit step {step} loss {curve[-1][1]:.4f} (autoencoder channels {curve[-1][2]:.4f}, semantic x0 {curve[-1][3]:.4f}) ({time.time() - t0:.0f}s)")
            run = []
        if step % 50 == 0:
            save()
    v_raw, v_ema = validate(te, dit, val, a.seed), validate(ema_te, ema_dit, val, a.seed)
    log(f"dit done at step {step}: val loss (autoencoder channels, semantic) raw {v_raw} ema {v_ema}")
    save(val_raw=v_raw, val_ema=v_ema)


def save_checkpoint(work, modules, **extra):
    """sem_dit.pt: the modules' weights and `extra`, through a temporary file (a kill mid-write keeps the last one whole)"""
    path = os.path.join(work, "sem_dit.pt")
    torch.save(dict({k: m.state_dict() for k, m in modules.items()}, **extra), path + ".tmp")
    os.replace(path + ".tmp", path)


def cmd_export(a):
    te, dit, d = load_semantic_dit(a.work, a.weights)
    dd, dec = torch.load(os.path.join(a.work, a.decoder_out)), Decoder(tc=TC, latent_c=AE_C + SEM_C)
    dec.load_state_dict(dd["dec"])
    for m in (te, dit, dec):
        m.eval()
    ex.round_fp16(te, dit, dec)
    os.makedirs(a.out, exist_ok=True)
    specs = [s for s in ex.onnx_specs(None, dec, te, dit) if s[2] in ("text_encoder.onnx", "denoiser.onnx")]
    specs.append(ex.decoder_spec(ClampedDecoder(dec) if a.clamp_maps else dec))
    for model, args, name, inputs, outputs, axes in specs:
        ex._export(model, args, os.path.join(a.out, name), inputs, outputs, axes)
    m = json.load(open(os.path.join(STAGE5, "model.json")))
    m["files"].pop("vae_encoder.onnx", None)  # the 16-channel encoder cannot make the semantic channels
    m.update(version=a.version, latentChannels=AE_C + SEM_C, semanticMaps=MAPS)
    for name in m["files"]:
        m["files"][name] = sha256(os.path.join(a.out, name))
    json.dump(m, open(os.path.join(a.out, "model.json"), "w"), indent=2)
    shutil.copy(os.path.join(STAGE5, "TRAINING.md"), os.path.join(a.out, "TRAINING-stage5.md"))
    log(f"exported {a.out} (DiT step {d['step']}, {a.weights} weights; decoder {dd['steps']} steps)")


def sample_maps(te, net, captions, steps=LEVEL2_STEPS, guidance=5.0, seed=0):
    """export.flow_latent's clips (2 s) -> each clip's kind-channel sums"""
    return kind_sums(ex.flow_latent(te, net, captions, 8, guidance, steps, seed, 0.5))


def kind_sums(x):
    """latents [N, AE_C + SEM_C, T, h, w] -> each clip's kind-channel sums [N, len(KINDS)], clamped at 0 as the exported
    decoder reads them"""
    return x[:, AE_C:AE_C + len(KINDS)].clamp(min=0).sum((2, 3, 4))


def cmd_maps(a):
    """Whether the DiT's generated maps name the caption's kinds (the golden prompts, seed 0): on a one-shape prompt the
    largest kind channel, on a prompt of N shapes the N largest; the decoder is not involved."""
    te, net, d = load_semantic_dit(a.work, a.weights)
    golden = golden_clips()
    right, total, named, among = {}, {}, 0, 0
    sums = sample_maps(te, net, [c["caption"] for c in golden])
    for clip, row in zip(golden, sums):
        kinds = [s["kind"] for s in clip["spec"]["shapes"]]
        top = [KINDS[int(i)] for i in row.argsort(descending=True)[:len(kinds)]]
        group = "single " + ("digit" if kinds[0] in DIGITS else kinds[0]) if len(kinds) == 1 else "multi-shape"
        total[group] = total.get(group, 0) + 1
        right[group] = right.get(group, 0) + (sorted(top) == sorted(kinds))
        if len(kinds) > 1:
            named, among = named + len(kinds), among + sum(k in top for k in kinds)
    log(f"step {d['step']} ({a.weights}): the largest kind channels are the caption's kinds in "
        + ", ".join(f"{g} {right[g]}/{total[g]}" for g in sorted(total)) + f"; multi-shape kinds among them {among}/{named}")


def cmd_ceiling_latents(a):
    """The golden clips' latents for model/shapes/semantic-ceiling.ts, each file named by the sha256 of the rendered
    truth's RGB bytes (the bytes the TS ceiling renders and hands its encoder): the autoencoder's 16 channels of the
    truth (--mode truth) or of the all-circles clip (--mode circles), and the true semantic maps."""
    import hashlib
    enc, _ = load_vae(VAE)
    enc.eval()
    os.makedirs(a.out, exist_ok=True)
    golden = golden_clips()
    with torch.no_grad():
        for clip in golden:
            spec = clip["spec"]
            for frames in map(int, a.frames.split(",")):
                truth = render_clip(spec, WIDTH, HEIGHT, frames)
                drawn = truth if a.mode == "truth" else render_clip(as_circles(spec), WIDTH, HEIGHT, frames)
                z = enc(to_model(drawn[None]))[0].numpy()
                x = np.concatenate([z, semantic_maps(spec, frames, TC, WIDTH, HEIGHT)])[None].astype(np.float32)
                name = hashlib.sha256(truth.tobytes()).hexdigest()
                x.tofile(os.path.join(a.out, name + ".f32"))
                json.dump(list(x.shape), open(os.path.join(a.out, name + ".json"), "w"))
    log(f"{len(golden)} golden clips at {a.frames} frames -> {a.out}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["cache", "decoder", "dit", "export", "ceiling-latents", "maps"])
    p.add_argument("--work", required=True)
    p.add_argument("--out")
    p.add_argument("--clips", type=int, default=3000)
    p.add_argument("--decoder-clips", type=int, default=1200)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--minutes", type=float, default=60)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=1253)
    p.add_argument("--amp", choices=["none", "bf16"], default="none")
    p.add_argument("--weights", choices=["ema", "raw"], default="ema")
    p.add_argument("--version", default="2.0.0-sem")
    p.add_argument("--decoder-from")
    p.add_argument("--decoder-out", default="sem_dec.pt")
    p.add_argument("--circle-share", type=float, default=0.5)
    p.add_argument("--pairs", help="decoder: also train on semantic_pairs.py's W/PAIRS.npz (W/PAIRS_val.npz held out)")
    p.add_argument("--pair-share", type=float, default=0.5, help="decoder: the rows drawn from --pairs")
    p.add_argument("--embed-init", type=float, default=0.3)
    p.add_argument("--sem-weight", type=float, default=1.0)
    p.add_argument("--digit-weight", type=float, default=1.0, help="dit: a factor on the digit maps' squared error (1: none)")
    p.add_argument("--clamp-maps", type=int, default=1)
    p.add_argument("--mode", choices=["truth", "circles"], default="truth")
    p.add_argument("--frames", default="16")
    a = p.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.work, exist_ok=True)
    if a.cmd != "cache":
        check_maps(a.work)
    dict(cache=cmd_cache, decoder=cmd_decoder, dit=cmd_dit, export=cmd_export, maps=cmd_maps,
         **{"ceiling-latents": cmd_ceiling_latents})[a.cmd](a)


if __name__ == "__main__":
    main()

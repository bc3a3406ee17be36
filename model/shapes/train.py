"""Train kinema-shapes on CPU and export it (ONNX + model.json + TRAINING.md + training.json).

  /usr/bin/python3 model/shapes/train.py --out models/kinema-shapes            # full run
  /usr/bin/python3 model/shapes/train.py --out /tmp/ks --quick                 # ~3 min smoke run
  /usr/bin/python3 model/shapes/train.py --out models/kinema-shapes --phase export   # from checkpoints

Phases: vae (frame-group autoencoder) -> encode (clips to normalised latents) -> dit (text encoder + DiT,
flow matching) -> export. Checkpoints go to --work so a run can be exported mid-way.
"""
import argparse
import json
import math
import os
import sys
import time

# One BLAS/OpenMP thread: on this shared 2-core machine, 2 intra-op threads spent most of their time
# spinning at barriers (a DiT step measured 12 s wall / 4 s CPU at 2 threads vs 1.3 s / 0.25 s at 1).
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import FRAMES, random_groups, stream_clips, to_model, tokenize  # noqa: E402
from nets import DiT, Decoder, Encoder, TextEncoder, recon_loss, video_noise  # noqa: E402

FLOW_SHIFT = 3.0
VAE_HELDOUT = 99_000_000  # held-out clip indexes for PSNR / validation (inside [0, 1e8), never trained on)
DIT_HELDOUT = 99_500_000
T_PROBS = {2: 0.5, 4: 0.3, 6: 0.2}  # default latent frames (8, 16, 24 video frames) per DiT step


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="models/kinema-shapes")
    p.add_argument("--work", default="/tmp/kinema-shapes-work")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--phase", default="all", choices=["all", "vae", "dit", "decoder", "export"])
    p.add_argument("--seed", type=int, default=None, help="default 1234; --phase export: the work folder's recorded "
                   "seed (its DiT phase's), which also seeds a stopped phase's validation")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--vae-clips", type=int, default=1500)
    p.add_argument("--vae-steps", type=int, default=1400)
    p.add_argument("--vae-batch", type=int, default=8)
    p.add_argument("--dit-clips", type=int, default=6000)
    p.add_argument("--dit-steps", type=int, default=1200)
    p.add_argument("--dit-batch", type=int, default=32)
    p.add_argument("--vae-minutes", type=float, default=0, help="if > 0: cap VAE steps to fit, from the speed of the first 20")
    p.add_argument("--vae-tc", type=int, default=None, help="--phase vae/all: frames per latent frame (default and 1.3.0: 4; "
                   "--phase dit/export take the work folder's vae.pt's)")
    p.add_argument("--latent-c", type=int, default=None, help="--phase vae/all: latent channels (default and 1.3.0: 8; likewise)")
    p.add_argument("--dit-minutes", type=float, default=0, help="if > 0: cap DiT steps likewise (the card records the steps)")
    p.add_argument("--dec-clips", type=int, default=3000)
    p.add_argument("--dec-steps", type=int, default=2000)
    p.add_argument("--dec-minutes", type=float, default=0)
    p.add_argument("--guidance", type=float, default=None, help="skip the guidance check and use this")
    p.add_argument("--guidance-sweep", default=None,
                   help="export: take the guidance from model/shapes/guidance.ts's output (judged on held-out clips)")
    p.add_argument("--pixel-step", action="store_true", help="export: also time one DiT step over pixels (slow; stepcost.py does it alone)")
    p.add_argument("--resume", action="store_true", help="--phase dit: continue from the work folder's dit.pt (exactly, with "
                   "the same --world: its periodic checkpoint holds AdamW's moments and every process's generators); --phase vae: "
                   "continue exactly from its vae.pt.partial (weights, Adam's moments, the batch generator's state)")
    p.add_argument("--noise-shared", type=float, default=0.0,
                   help="share of the DiT's noise variance common to all latent frames (0: independent frames)")
    p.add_argument("--t-probs", default="", help="latent frames per DiT step, e.g. 2:0.4,4:0.4,6:0.2 (default T_PROBS)")
    p.add_argument("--world", type=int, default=1, help="--phase dit: data-parallel processes, one thread each")
    p.add_argument("--init-from", default=None,
                   help="--phase all or dit: start from an exported model folder's weights (from_onnx.py) instead of the VAE phase")
    p.add_argument("--dit-warm-from", default=None,
                   help="--phase all or dit: start the text encoder and DiT from an exported model folder of another latent shape: "
                   "every tensor whose name and shape match is copied, the rest (the DiT's patch embed and output) keep their fresh init")
    p.add_argument("--dit-positions", default="frame", choices=["frame", "progress"],
                   help="the DiT's temporal positions: latent frame index (1.x) or where in the clip a latent frame lies "
                   "(nets.DiT.temporal_positions; clips of any length then sit inside the trained range)")
    p.add_argument("--version", default=None, help="export: model.json's version and the card's title (default: card.MODEL_VERSION)")
    p.add_argument("--min-generated-frames", type=int, default=0,
                   help="export: model.json's minGeneratedFrames (the engine generates shorter clips at this many frames and "
                   "keeps the nearest; 0: absent, clips at their own frames)")
    p.add_argument("--flow-shift", type=float, default=FLOW_SHIFT,
                   help="the DiT's training t = s u / (1 + (s - 1) u), u = sigmoid(N(0, 1)): 3 (1.x, the sampler's shift) puts "
                   "most weight at high noise (median t 0.75); 1 is the plain logit-normal (median 0.5), more at mid noise "
                   "(tried in stage 6 for the kinds: motion fell, kinds did not rise; model/shapes/TRAINING-2.0.md)")
    p.add_argument("--fg-weight", type=float, default=0.0,
                   help="the DiT's loss counts foreground latents (a shape's, not the plain background's) 1 + this many times "
                   "(0: plain MSE, 1.x; train.foreground_weights); validation stays plain MSE, comparable across stages "
                   "(tried at 3 in stage 6b for the kinds: 500 steps from stage 5 lost colour, motion and validation loss; "
                   "model/shapes/TRAINING-2.0.md)")
    p.add_argument("--fg-tau", type=float, default=1.0,
                   help="a latent is foreground where it differs from its frame's background by more than this many latent stds "
                   "(at 1, ~20%% of the training latents: the shapes; the plain background's sit at 0.1-0.3, the frame's edge at 0.4-0.8)")
    p.add_argument("--dit-decay", type=int, default=0,
                   help="the DiT's learning rate falls linearly to 0 over its last N steps (0: constant after warmup)")
    a = p.parse_args()
    a.ae_flags = dict(tc=a.vae_tc, latent_c=a.latent_c)  # as given (None: not given), checked against a loaded vae.pt
    a.vae_tc = 4 if a.vae_tc is None else a.vae_tc
    a.latent_c = 8 if a.latent_c is None else a.latent_c
    a.t_probs_flag = a.t_probs
    set_t_probs(a, a.vae_tc)
    if 4 % a.vae_tc or a.vae_tc < 1:
        p.error("--vae-tc divides 4 (1, 2 or 4): the clips' frame counts and the engine's durations are multiples of 4")
    if a.init_from and a.phase not in ("all", "dit"):
        p.error("--init-from starts a DiT phase: --phase all (DiT, then export) or dit")
    if a.dit_warm_from and (a.phase not in ("all", "dit") or a.init_from):
        p.error("--dit-warm-from starts a DiT phase (--phase all or dit) from fresh weights; --init-from restarts the same shape")
    if a.dit_decay > 0 and a.dit_minutes > 0:
        p.error("--dit-decay needs a known step count: a run cut by --dit-minutes could not be rerun with --dit-steps")
    if a.world > 1 and a.dit_minutes > 0:
        p.error("--dit-minutes needs --world 1: the processes would have to agree when to stop")
    if a.quick:
        a.vae_clips, a.vae_steps, a.dit_clips, a.dit_steps, a.dit_batch = 60, 40, 60, 10, 8
        a.dec_clips, a.dec_steps = 60, 20
        a.vae_minutes = a.dit_minutes = 0
    return a


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
    """The DiT this run trains or exports: the autoencoder's latent channels and temporal compression, --dit-positions."""
    return DiT(in_c=a.latent_c, positions=a.dit_positions, tc=a.vae_tc)


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
    v = torch.load(path)
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
        zn = z + 0.05 * torch.randn(z.shape, generator=g)  # decoder robustness to small latent errors
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


def encode_clips(enc, start, count, work=None, frames=FRAMES):
    """-> {T: (latents float16 [N, 8, T, 8, 14], ids int64 [N, 128])}, clip i of `frames[i % len(frames)]` video frames;
    cached in `work` (a resumed run reuses the encoding instead of spending minutes on it again)"""
    tag = "" if tuple(frames) == FRAMES else "-f" + "-".join(map(str, frames))  # 1.x's cache name for the default
    cache = os.path.join(work, f"latents-{start}-{count}{tag}.npz") if work else None
    if cache and os.path.exists(cache):
        data = np.load(cache)
        return {int(k[2:]): (data[k], data["i_" + k[2:]]) for k in data.files if k.startswith("z_")}
    pools = {}
    with torch.no_grad():
        for _, cap, f in stream_clips(start, count, frames):
            z = enc(to_model(f[None]))[0].numpy().astype(np.float16)
            pools.setdefault(z.shape[1], ([], []))
            pools[z.shape[1]][0].append(z)
            pools[z.shape[1]][1].append(tokenize(cap))
    pools = {t: (np.stack(z), np.stack(i)) for t, (z, i) in pools.items()}
    if cache:
        np.savez(cache, **{f"z_{t}": z for t, (z, _) in pools.items()}, **{f"i_{t}": i for t, (_, i) in pools.items()})
    return pools


# ------------------------------------------------------------------------------------------ DiT
def trim(ids):
    n = int((ids != 0).sum(1).max())
    ids = ids[:, :n]
    return ids, (ids != 0).to(torch.int32)


def flow_loss(te, dit, x0, ids, t, noise, fg=None):
    """fg (weight, tau): a weighted mean that counts foreground latents 1 + weight times (foreground_weights)."""
    ids, mask = trim(ids)
    xt = (1 - t.view(-1, 1, 1, 1, 1)) * x0 + t.view(-1, 1, 1, 1, 1) * noise
    pred, target = dit(xt, t, te(ids), mask), noise - x0
    if not fg or fg[0] <= 0:
        return F.mse_loss(pred, target)
    w = foreground_weights(x0, *fg)
    return ((pred - target).pow(2) * w).mean() / w.mean()


def foreground_weights(x0, weight, tau):
    """[B, 1, T, H, W]: 1 + weight where a latent differs from its frame's background by more than tau (RMS over
    channels). The clips are shapes on a plain background, so a latent frame's median over positions is the
    background's latent; a shape's kind lives in the few latents at its outline, which plain MSE weighs like any
    other of the 112 (8x14) positions of a latent frame."""
    bg = x0.flatten(3).median(-1).values[..., None, None]
    dist = (x0 - bg).pow(2).mean(1, keepdim=True).sqrt()
    return 1 + weight * (dist > tau).float()


def sample_t(n, g, shift=FLOW_SHIFT):
    u = torch.sigmoid(torch.randn(n, generator=g))
    return shift * u / (1 + (shift - 1) * u)  # shift > 1: more weight at high noise


def validate(te, dit, val, seed, shared=0.0):
    g = torch.Generator().manual_seed(seed)
    out = []
    with torch.no_grad():
        for t_len, (z, ids) in sorted(val.items()):
            x0 = torch.from_numpy(z.astype(np.float32))
            t = torch.linspace(0.05, 0.95, len(x0))
            out.append(flow_loss(te, dit, x0, torch.from_numpy(ids), t, video_noise(x0.shape, g, shared)).item())
    return float(np.mean(out))


def train_dit(a, enc, stats):
    t0 = time.time()
    pools = encode_clips(enc, 0, a.dit_clips, a.work, clip_frames(a))
    val = encode_clips(enc, DIT_HELDOUT, 6 if a.quick else 96, frames=clip_frames(a))
    allz = np.concatenate([p[0].reshape(-1) for p in pools.values()]).astype(np.float32)
    stats["encode"] = dict(clips=a.dit_clips, wall_s=round(time.time() - t0, 1), latent_mean=float(allz.mean()),
                           latent_std=float(allz.std()), per_T={int(t): int(len(p[0])) for t, p in pools.items()})
    log(f"encoded {a.dit_clips} clips in {time.time() - t0:.0f}s, latent std {allz.std():.3f}")
    # the DiT's recipe, kept for an export of a run stopped from outside (its own arguments may differ)
    stats["dit_recipe"] = dict(noise_shared=a.noise_shared, t_probs=a.t_probs, world=a.world, decay=a.dit_decay,
                               tc=enc.tc, latent_c=enc.lc,  # the latent it learns: [latent_c, F/tc, 8, 14]
                               positions=a.dit_positions, frames=list(clip_frames(a)), flow_shift=a.flow_shift,
                               fg_weight=a.fg_weight, fg_tau=a.fg_tau)
    stats_path = os.path.join(a.work, "stats.json")
    json.dump(stats, open(stats_path, "w"))  # a DiT phase stopped from outside keeps these
    if a.world == 1:
        return dit_loop(0, a, pools, val, stats, None)
    import torch.multiprocessing as mp
    if os.path.exists(rendezvous(a)):
        os.remove(rendezvous(a))  # gloo's file store must start empty
    mp.spawn(dit_loop, args=(a, pools, val, stats, os.getpid()), nprocs=a.world)
    stats.update(json.load(open(stats_path)))  # rank 0 wrote the DiT's figures


def rendezvous(a):
    return os.path.join(os.path.abspath(a.work), "ddp-rendezvous")


def all_reduce_grads(params, loss, world):
    """Data parallel by hand (gloo, CPU): one all-reduce of every gradient plus the loss, averaged, so each
    process applies the same update and the logged loss is the mean over all processes' batches."""
    import torch.distributed as dist
    flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params]
                     + [loss.detach().reshape(1)])
    dist.all_reduce(flat)
    flat /= world
    i = 0
    for p in params:
        n = p.numel()
        if p.grad is not None:
            p.grad.copy_(flat[i:i + n].view_as(p))
        i += n
    return flat[-1].item()


def dit_loop(rank, a, pools, val, stats, parent):
    """The DiT's training loop; with --world N, process `rank` of N (rank 0 logs, checkpoints and validates).
    Every process starts from the same weights and draws its own batches (seeds offset by 1000 * rank)."""
    if a.world > 1:
        import torch.distributed as dist  # (bound for the whole loop: every later use is under world > 1 too)
        torch.set_num_threads(a.threads)
        # rendezvous through a file in the work folder: no port to collide with another run (or a killed one's)
        dist.init_process_group("gloo", init_method=f"file://{rendezvous(a)}", rank=rank, world_size=a.world)
    torch.manual_seed(a.seed + 1)
    te, dit = TextEncoder(), new_dit(a)
    ema_te, ema_dit = TextEncoder(), new_dit(a)
    ema_te.load_state_dict(te.state_dict())
    ema_dit.load_state_dict(dit.state_dict())
    params = list(te.parameters()) + list(dit.parameters())
    ema_params = list(ema_te.parameters()) + list(ema_dit.parameters())
    opt = torch.optim.AdamW(params, lr=3e-4, weight_decay=0.01)
    g = torch.Generator().manual_seed(a.seed + 2 + 1000 * rank)
    rs = np.random.RandomState(a.seed + 3 + 1000 * rank)
    ts, probs = list(a.t_probs), np.array(list(a.t_probs.values()))
    empty = torch.from_numpy(tokenize(""))
    curve, run, t1 = [], [], time.time()
    step = first = 0
    lead = rank == 0
    if a.init_from:  # fine-tune a shipped model: weights and moving averages start from its (EMA) weights
        from from_onnx import load_model
        _, _, te0, dit0 = load_model(a.init_from)
        for m, src in ((te, te0), (dit, dit0), (ema_te, te0), (ema_dit, dit0)):
            m.load_state_dict(src.state_dict())
        if lead:  # the starting point's loss on this run's validation set, for the card
            stats["init_from"]["val_loss"] = validate(te, dit, val, a.seed, a.noise_shared)
            log(f"DiT and text encoder from {a.init_from}: val loss {stats['init_from']['val_loss']:.4f}")
    if a.dit_warm_from and not a.resume:  # (a resumed run's weights come from its checkpoint below)
        from from_onnx import warm_start
        report = warm_start(a.dit_warm_from, te, dit, [(ema_te, ema_dit)])
        report["to_latent"] = dict(tc=a.vae_tc, latent_c=a.latent_c)
        if lead:
            report["val_loss"] = validate(te, dit, val, a.seed, a.noise_shared)
            stats["dit_warm_from"] = report
            from provenance import stage_chain  # the stages before this one, while the source folder is at hand
            stats["stage_chain"] = stage_chain(stats)
            # kept now, not only at the phase's end: a run stopped and --resumed (which skips the warm start)
            # still reports where its weights came from
            json.dump(stats, open(os.path.join(a.work, "stats.json"), "w"))
            log(f"warm start from {a.dit_warm_from} ({report['version']}, latent {report['from_latent']} -> "
                f"{report['to_latent']}): copied {report['copied_count']} tensors ({report['copied_params']:,} values), kept "
                f"fresh {report['skipped']}; val loss {report['val_loss']:.4f}")
    lr_origin = 0  # the step the learning rate's warmup (and decay span) counts from
    if a.resume:
        # continue a stopped run: weights and moving averages from its checkpoint. Its periodic checkpoint also
        # holds AdamW's moments (the same in every process: they all apply the same averaged gradient) and every
        # process's batch generators: resumed with the same --world, the run computes exactly what one
        # uninterrupted run computes (a session's end costs nothing). Without them (an older --world N
        # checkpoint, another --world, a finished phase continued further) the learning rate warms up again.
        d = torch.load(os.path.join(a.work, "dit.pt"))
        for m, k in ((te, "te"), (dit, "dit"), (ema_te, "ema_te"), (ema_dit, "ema_dit")):
            m.load_state_dict(d[k])
        step = first = d["step"]
        curve = d["curve"]
        # "ranks": one generator state per process; a one-process checkpoint of before kept its own at the top
        ranks = d.get("ranks") or ([dict(generator=d["generator"], rs=d["rs"], torch_rng=d["torch_rng"])] if "generator" in d else [])
        exact = "opt" in d and len(ranks) == a.world
        if exact:
            opt.load_state_dict(d["opt"])
            g.set_state(ranks[rank]["generator"])
            rs.set_state(ranks[rank]["rs"])
            torch.set_rng_state(ranks[rank]["torch_rng"])
            t1 -= curve[-1][2] if curve else 0  # the curve's wall clock goes on from the stopped run's
        else:
            lr_origin = first
        stats["resumed_from"] = stats.get("resumed_from", []) + [first]
        log(f"resumed the DiT at step {first} ({'exactly' if exact else 'weights only: the learning rate warms up again'})")
    fg = (a.fg_weight, a.fg_tau * stats["encode"]["latent_std"])  # --fg-tau is in latent stds; the loss takes latent units
    while step < a.dit_steps:
        if out_of_time(a.dit_minutes, t1):
            a.dit_steps = step
            break
        if parent is not None and os.getppid() != parent:
            # the main process was stopped from outside (the way a run is cut at a checkpoint): stop with it,
            # or the processes would go on training and overwrite the checkpoint it was stopped at
            log(f"rank {rank}: the main process is gone; stopping at step {step}")
            return None
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step - lr_origin, 3e-4, 100, a.dit_steps - lr_origin, a.dit_decay)
        t_len = ts[rs.choice(len(ts), p=probs)]
        z, ids = pools[t_len]
        idx = rs.randint(len(z), size=a.dit_batch)
        x0 = torch.from_numpy(z[idx].astype(np.float32))
        ids = torch.from_numpy(ids[idx])
        drop = torch.from_numpy(rs.rand(a.dit_batch) < 0.1)
        ids[drop] = empty  # caption dropout -> the unconditional prompt "" for guidance
        loss = flow_loss(te, dit, x0, ids, sample_t(a.dit_batch, g, a.flow_shift), video_noise(x0.shape, g, a.noise_shared),
                         fg=fg)
        opt.zero_grad()
        loss.backward()
        loss_value = all_reduce_grads(params, loss, a.world) if a.world > 1 else loss.item()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            d = min(0.998, (1 + step) / (10 + step))
            for pe, p in zip(ema_params, params):
                pe.mul_(d).add_(p.detach(), alpha=1 - d)
        run.append(loss_value)
        if (step + 1) % 25 == 0 or step + 1 == a.dit_steps or out_of_time(a.dit_minutes, t1):
            curve.append([step + 1, float(np.mean(run)), round(time.time() - t1, 1)])
            run = []
            if lead:
                log(f"dit step {step + 1}/{a.dit_steps} loss {curve[-1][1]:.4f} ({time.time() - t1:.0f}s)")
        checkpoint_now = (step + 1) % 50 == 0 or step + 1 == a.dit_steps  # the same steps in every process
        if checkpoint_now:
            # what an exact --resume needs besides the weights (every 50 steps `run` is empty): AdamW's moments and
            # every process's generators, gathered to rank 0 (no --dit-minutes with N: all stop at the same step)
            ranks = [dict(generator=g.get_state(), rs=rs.get_state(), torch_rng=torch.get_rng_state())]
            if a.world > 1:
                mine, ranks = ranks[0], [None] * a.world
                dist.all_gather_object(ranks, mine)
        if lead and checkpoint_now:
            ckpt = dict(te=te.state_dict(), dit=dit.state_dict(), ema_te=ema_te.state_dict(),
                        ema_dit=ema_dit.state_dict(), step=step + 1, curve=curve, positions=a.dit_positions,
                        opt=opt.state_dict(), ranks=ranks)
            path = os.path.join(a.work, "dit.pt")
            torch.save(ckpt, path + ".tmp")
            os.replace(path + ".tmp", path)  # a kill mid-write leaves the previous checkpoint whole
        step += 1
    if a.world > 1:
        dist.barrier()  # rank 0's last checkpoint is written before any process leaves
        if not lead:
            # a process that simply returned could abort in gloo's teardown ("terminate called without an active
            # exception"), and spawn then stops rank 0 before its final save
            dist.destroy_process_group()
            return None
    v_raw = validate(te, dit, val, a.seed, a.noise_shared)
    v_ema = validate(ema_te, ema_dit, val, a.seed, a.noise_shared)
    use_ema = v_ema <= v_raw
    stats["dit"] = dict(clips=a.dit_clips, steps=a.dit_steps, batch=a.dit_batch, final_loss=curve[-1][1],
                        curve=curve, val_loss_raw=v_raw, val_loss_ema=v_ema, exported="ema" if use_ema else "raw",
                        val_clips=[DIT_HELDOUT, DIT_HELDOUT + (6 if a.quick else 96)], wall_s=round(time.time() - t1, 1),
                        **stats["dit_recipe"])
    log(f"dit done: val loss raw {v_raw:.4f} ema {v_ema:.4f}")
    torch.save(dict(te=te.state_dict(), dit=dit.state_dict(), ema_te=ema_te.state_dict(), ema_dit=ema_dit.state_dict(),
                    step=a.dit_steps, curve=curve, use_ema=use_ema, positions=a.dit_positions), os.path.join(a.work, "dit.pt"))
    if a.world > 1:
        json.dump(stats, open(os.path.join(a.work, "stats.json"), "w"))
        dist.destroy_process_group()
    return (ema_te, ema_dit) if use_ema else (te, dit)


def load_ckpts(a, stats):
    ft = os.path.join(a.work, "vae_ft.pt")
    enc, dec = load_vae(ft if os.path.exists(ft) else os.path.join(a.work, "vae.pt"))
    follow_autoencoder(a, enc)  # the DiT's in_c (and an old run's default t_probs) follow the autoencoder
    d = torch.load(os.path.join(a.work, "dit.pt"))
    recipe = stats.get("dit_recipe", dict(noise_shared=0.0, t_probs=a.t_probs, world=1))
    a.dit_positions = d.get("positions", recipe.get("positions", "frame"))  # the trained DiT's, not the flag's
    te, dit = TextEncoder(), new_dit(a)
    use_ema = d.get("use_ema", True)
    te.load_state_dict(d["ema_te" if use_ema else "te"])
    dit.load_state_dict(d["ema_dit" if use_ema else "dit"])
    if os.path.exists(os.path.join(a.work, "stats_decoder.json")):
        stats["decoder"] = json.load(open(os.path.join(a.work, "stats_decoder.json")))
    sd = stats.setdefault("dit", {})
    sd["steps_done"] = d["step"]
    if sd.get("steps") != d["step"]:  # the DiT phase was stopped from outside: export its last checkpoint
        sd.update(steps=d["step"], curve=d["curve"], final_loss=d["curve"][-1][1], clips=a.dit_clips, batch=a.dit_batch,
                  **recipe, stopped="killed at the wall-clock deadline; the LR is constant after warmup, so "
                  "--dit-steps with this step count reproduces it", wall_s=d["curve"][-1][2])
        val = encode_clips(enc, DIT_HELDOUT, 6 if a.quick else 96, frames=recipe.get("frames", FRAMES))
        ema_te, ema_dit = TextEncoder(), new_dit(a)
        ema_te.load_state_dict(d["ema_te"])
        ema_dit.load_state_dict(d["ema_dit"])
        raw_te, raw_dit = TextEncoder(), new_dit(a)
        raw_te.load_state_dict(d["te"])
        raw_dit.load_state_dict(d["dit"])
        shared = recipe["noise_shared"]
        sd["val_loss_raw"] = validate(raw_te, raw_dit, val, a.seed, shared)
        sd["val_loss_ema"] = validate(ema_te, ema_dit, val, a.seed, shared)
        sd["val_clips"] = [DIT_HELDOUT, DIT_HELDOUT + (6 if a.quick else 96)]
        use_ema = sd["val_loss_ema"] <= sd["val_loss_raw"]
        te, dit = (ema_te, ema_dit) if use_ema else (raw_te, raw_dit)
        log(f"val loss raw {sd['val_loss_raw']:.4f} ema {sd['val_loss_ema']:.4f}")
    sd["exported"] = "ema" if use_ema else "raw"
    return enc, dec, te, dit


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

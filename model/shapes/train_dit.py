"""The DiT phase (text encoder + DiT, flow matching over the autoencoder's latents) and the loading of its
checkpoint for an export; train.py runs it."""
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from data import FRAMES, tokenize
from nets import TextEncoder, video_noise
from recipe_defaults import DIT_DEPTH, DIT_HEAD, DIT_PATCH, FLOW_SHIFT, FULL_T_RANGE, ROLLOUT_GAP, ROLLOUT_MIN_T, shifted_time
from train_common import (DIT_HELDOUT, clip_frames, device_of, encode_clips, follow_autoencoder, load_vae, log, lr_at,
                          new_dit, out_of_time)

EMA_DECAY = 0.998  # the moving averages' decay once warmed up: a time constant of 500 steps


def trim(ids):
    n = int((ids != 0).sum(1).max())
    ids = ids[:, :n]
    return ids, (ids != 0).to(torch.int32)


def flow_loss(te, dit, x0, ids, t, noise, fg=None, rollout=None):
    """fg (weight, tau): a weighted mean that counts foreground latents 1 + weight times (foreground_weights).
    rollout (share, generator): that share of the batch trains on the sampler's own states (rollout_inputs)."""
    ids, mask = trim(ids)
    xt = (1 - t.view(-1, 1, 1, 1, 1)) * x0 + t.view(-1, 1, 1, 1, 1) * noise
    target, text = noise - x0, te(ids)
    if rollout and rollout[0] > 0:
        xt, target = rollout_inputs(dit, x0, text.detach(), mask, t, noise, xt, target, *rollout)
    pred = dit(xt, t, text, mask)
    if not fg or fg[0] <= 0:
        return F.mse_loss(pred, target)
    w = foreground_weights(x0, *fg)
    return ((pred - target).pow(2) * w).mean() / w.mean()


def rollout_inputs(dit, x0, text, mask, t, noise, xt, target, share, g):
    """Trains on where the sampler is, not only where the data is (exposure bias). For a `share` of the rows (t >=
    ROLLOUT_MIN_T) the input is the state the sampler reaches from the same noise at a higher t_hi = t + gap: the
    current weights (no gradient) predict x0 there and one DDIM step goes down to t, x_t = (1 - t) x0_hat + t noise_hat
    (on the flow path the Euler step x_hi + (t - t_hi) v, the one the sampler takes). `text`: the batch's encoded captions.
    At high noise x0_hat is the round blob a prompt's mean layout gives, whatever its kind (model/shapes/probe.ts);
    plain training never shows the model such a state at lower t with a triangle's caption, since its inputs there
    hold the truth's outline. The target is the velocity that leads from that state to the true clip, (x_t - x0) / t,
    so the model learns to turn its own blob into the prompt's shape. The other rows are plain flow matching."""
    n = x0.shape[0]
    # drawn on the CPU generator whatever the device, so a CUDA run draws the same rows and gaps
    pick = ((torch.rand(n, generator=g) < share) & (t.cpu() >= ROLLOUT_MIN_T)).to(x0.device)
    gap = (ROLLOUT_GAP[0] + (ROLLOUT_GAP[1] - ROLLOUT_GAP[0]) * torch.rand(n, generator=g)).to(x0.device)
    if not bool(pick.any()):
        return xt, target
    tl = t[pick]
    th = torch.clamp(tl + gap[pick], max=1.0)
    th5, tl5 = th.view(-1, 1, 1, 1, 1), tl.view(-1, 1, 1, 1, 1)
    x0p, noise_p = x0[pick], noise[pick]
    with torch.no_grad():
        x_hi = (1 - th5) * x0p + th5 * noise_p
        x_lo = x_hi + (tl5 - th5) * dit(x_hi, th, text[pick], mask[pick])
    xt, target = xt.clone(), target.clone()
    xt[pick] = x_lo
    target[pick] = (x_lo - x0p) / tl5
    return xt, target


def foreground_weights(x0, weight, tau):
    """[B, 1, T, H, W]: 1 + weight where a latent differs from its frame's background by more than tau (RMS over
    channels). The clips are shapes on a plain background, so a latent frame's median over positions is the
    background's latent; a shape's kind lives in the few latents at its outline, which plain MSE weighs like any
    other of the 112 (8x14) positions of a latent frame."""
    bg = x0.flatten(3).median(-1).values[..., None, None]
    dist = (x0 - bg).pow(2).mean(1, keepdim=True).sqrt()
    return 1 + weight * (dist > tau).float()


def sample_t(n, g, shift=FLOW_SHIFT, t_range=FULL_T_RANGE):
    lo, hi = t_range
    if (lo, hi) != FULL_T_RANGE:  # an expert's range (--t-range): uniform over it, every t of its share weighed alike
        return lo + (hi - lo) * torch.rand(n, generator=g)
    u = torch.sigmoid(torch.randn(n, generator=g))
    return shifted_time(u, shift)  # shift > 1: more weight at high noise


def validate(te, dit, val, seed, shared=0.0, t_range=FULL_T_RANGE):
    g = torch.Generator().manual_seed(seed)
    out, dev = [], device_of(dit)
    with torch.no_grad():
        for t_len, (z, ids) in sorted(val.items()):
            x0 = torch.from_numpy(z.astype(np.float32))
            t = t_range[0] + (t_range[1] - t_range[0]) * torch.linspace(0.05, 0.95, len(x0))
            noise = video_noise(x0.shape, g, shared)  # on the CPU generator: the same noise on any device
            out.append(flow_loss(te, dit, x0.to(dev), torch.from_numpy(ids).to(dev), t.to(dev), noise.to(dev)).item())
    return float(np.mean(out))


def cpu_state(module):
    """A state dict of CPU tensors: a checkpoint written by a CUDA run loads anywhere (an export runs on the CPU)."""
    return {k: v.detach().cpu() for k, v in module.state_dict().items()}


def train_dit(a, enc, stats):
    t0 = time.time()
    if a.device != "cpu":
        # (no TF32 switch: --amp bf16 covers the training matmuls, and torch 2.9+ warns on the legacy allow_tf32 and
        # raises where it is mixed with the new fp32_precision API)
        enc.to(a.device)
        # the export (here, on a CPU) records its own torch and machine: the DiT phase's are kept beside them
        stats["dit_hardware"] = dict(device=a.device, device_name=torch.cuda.get_device_name(), torch=torch.__version__)
    pools = encode_clips(enc, 0, a.dit_clips, a.work, clip_frames(a))
    val = encode_clips(enc, DIT_HELDOUT, 6 if a.quick else 96, frames=clip_frames(a))
    allz = np.concatenate([p[0].reshape(-1) for p in pools.values()]).astype(np.float32)
    stats["encode"] = dict(clips=a.dit_clips, wall_s=round(time.time() - t0, 1), latent_mean=float(allz.mean()),
                           latent_std=float(allz.std()), per_T={int(t): int(len(p[0])) for t, p in pools.items()})
    log(f"encoded {a.dit_clips} clips in {time.time() - t0:.0f}s, latent std {allz.std():.3f}")
    # the DiT's recipe, kept for an export of a run stopped from outside (its own arguments may differ: an export's
    # --dit-batch is not the batch the run trained with)
    stats["dit_recipe"] = dict(noise_shared=a.noise_shared, t_probs=a.t_probs, world=a.world, decay=a.dit_decay, batch=a.dit_batch,
                               tc=enc.tc, latent_c=enc.lc,  # the latent it learns: [latent_c, F/tc, 8, 14]
                               positions=a.dit_positions, depth=a.dit_depth, frames=list(clip_frames(a)), flow_shift=a.flow_shift,
                               fg_weight=a.fg_weight, fg_tau=a.fg_tau, ema_continue=a.ema_continue,
                               rollout=a.rollout, patch=a.dit_patch, head=a.dit_head, device=a.device, amp=a.amp,
                               t_range=list(a.t_range), freeze_text=a.freeze_text)
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
    te, dit = TextEncoder(), new_dit(a)  # initialised on the CPU generator (the same start on any device), then moved
    ema_te, ema_dit = TextEncoder(), new_dit(a)
    ema_te.load_state_dict(te.state_dict())
    ema_dit.load_state_dict(dit.state_dict())
    dev = torch.device(a.device)
    for m in (te, dit, ema_te, ema_dit):
        m.to(dev)
    if a.freeze_text:
        te.requires_grad_(False)  # no gradient: AdamW and the clip pass it by, the average skips it (below)
    params = list(te.parameters()) + list(dit.parameters())
    ema_params = list(ema_te.parameters()) + list(ema_dit.parameters())
    opt = torch.optim.AdamW(params, lr=3e-4, weight_decay=0.01)
    g = torch.Generator().manual_seed(a.seed + 2 + 1000 * rank)
    rs = np.random.RandomState(a.seed + 3 + 1000 * rank)
    ts, probs = list(a.t_probs), np.array(list(a.t_probs.values()))
    empty = torch.from_numpy(tokenize(""))  # batches are built on the CPU, then moved
    curve, run, t1 = [], [], time.time()
    step = first = 0
    lead = rank == 0
    if a.init_from:  # fine-tune a shipped model: weights and moving averages start from its (EMA) weights
        from from_onnx import load_model
        _, _, te0, dit0 = load_model(a.init_from)
        for m, src in ((te, te0), (dit, dit0), (ema_te, te0), (ema_dit, dit0)):
            m.load_state_dict(src.state_dict())
        if lead:  # the starting point's loss on this run's validation set, for the card
            stats["init_from"]["val_loss"] = validate(te, dit, val, a.seed, a.noise_shared, a.t_range)
            log(f"DiT and text encoder from {a.init_from}: val loss {stats['init_from']['val_loss']:.4f}")
    if a.dit_warm_from and not a.resume:  # (a resumed run's weights come from its checkpoint below)
        from from_onnx import outside_appended, warm_start
        report = warm_start(a.dit_warm_from, te, dit, [(ema_te, ema_dit)], weights=a.dit_warm_weights)
        report["to_latent"] = dict(tc=a.vae_tc, latent_c=a.latent_c)
        if lead:
            report["val_loss"] = validate(te, dit, val, a.seed, a.noise_shared, a.t_range)
            stats["dit_warm_from"] = report
            from provenance import stage_chain  # the stages before this one, while the source folder is at hand
            stats["stage_chain"] = stage_chain(stats)
            # kept now, not only at the phase's end: a run stopped and --resumed (which skips the warm start)
            # still reports where its weights came from
            json.dump(stats, open(os.path.join(a.work, "stats.json"), "w"))
            log(f"warm start from {a.dit_warm_from} ({report['version']}, latent {report['from_latent']} -> "
                f"{report['to_latent']}): copied {report['copied_count']} tensors ({report['copied_params']:,} values), kept "
                f"fresh {outside_appended(report['skipped'], report['appended_blocks'])}, appended blocks "
                f"{report['appended_blocks']}{', mapped to the 1x1 patch ' + str(report['mapped_to_1x1']) if report['mapped_to_1x1'] else ''}; "
                f"val loss {report['val_loss']:.4f}")
    lr_origin = 0  # the step the learning rate's warmup (and decay span) counts from
    if a.resume:
        # continue a stopped run: weights and moving averages from its checkpoint. Its periodic checkpoint also
        # holds AdamW's moments (the same in every process: they all apply the same averaged gradient) and every
        # process's batch generators: resumed with the same --world, the run computes exactly what one
        # uninterrupted run computes (a session's end costs nothing). Without them (an older --world N
        # checkpoint, another --world, a finished phase continued further) the learning rate warms up again.
        d = torch.load(os.path.join(a.work, "dit.pt"), map_location="cpu")
        if d.get("depth", DIT_DEPTH) != a.dit_depth:
            raise SystemExit(f"--dit-depth {a.dit_depth}: the checkpoint's DiT has {d.get('depth', DIT_DEPTH)} blocks; resume with that")
        if d.get("patch", DIT_PATCH) != a.dit_patch:
            raise SystemExit(f"--dit-patch {a.dit_patch}: the checkpoint's DiT has patch {d.get('patch', DIT_PATCH)}; resume with that")
        if d.get("head", DIT_HEAD) != a.dit_head:
            raise SystemExit(f"--dit-head {a.dit_head}: the checkpoint's DiT has the {d.get('head', DIT_HEAD)} head; resume with that")
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
        if step > first and out_of_time(a.dit_minutes, t1):  # (at least one step: a warm start's validation counts too)
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
        t, noise = sample_t(a.dit_batch, g, a.flow_shift, a.t_range), video_noise(x0.shape, g, a.noise_shared)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.amp == "bf16"):
            loss = flow_loss(te, dit, x0.to(dev), ids.to(dev), t.to(dev), noise.to(dev), fg=fg, rollout=(a.rollout, g))
        opt.zero_grad()
        loss.backward()
        loss_value = all_reduce_grads(params, loss, a.world) if a.world > 1 else loss.item()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            d = EMA_DECAY if a.ema_continue else min(EMA_DECAY, (1 + step) / (10 + step))
            for pe, p in zip(ema_params, params):
                if not p.requires_grad:
                    continue  # --freeze-text: the average of a constant is the constant (without d x + (1 - d) x's rounding)
                pe.mul_(d).add_(p.detach(), alpha=1 - d)
        run.append(loss_value)
        if (step + 1) % 25 == 0 or step + 1 == a.dit_steps or out_of_time(a.dit_minutes, t1):
            curve.append([step + 1, float(np.mean(run)), round(time.time() - t1, 1)])
            run = []
            if lead:
                log(f"dit step {step + 1}/{a.dit_steps} loss {curve[-1][1]:.4f} ({time.time() - t1:.0f}s)")
        checkpoint_now = (step + 1) % a.dit_ckpt_every == 0 or step + 1 == a.dit_steps  # the same steps in every process
        if checkpoint_now:
            # what an exact --resume needs besides the weights (at a multiple of 25 steps `run` is empty): AdamW's moments and
            # every process's generators, gathered to rank 0 (no --dit-minutes with N: all stop at the same step)
            ranks = [dict(generator=g.get_state(), rs=rs.get_state(), torch_rng=torch.get_rng_state())]
            if a.world > 1:
                mine, ranks = ranks[0], [None] * a.world
                dist.all_gather_object(ranks, mine)
        if lead and checkpoint_now:
            ckpt = dict(te=cpu_state(te), dit=cpu_state(dit), ema_te=cpu_state(ema_te), ema_dit=cpu_state(ema_dit),
                        step=step + 1, curve=curve, positions=a.dit_positions, depth=a.dit_depth, patch=a.dit_patch, head=a.dit_head,
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
    v_raw = validate(te, dit, val, a.seed, a.noise_shared, a.t_range)
    v_ema = validate(ema_te, ema_dit, val, a.seed, a.noise_shared, a.t_range)
    use_ema = v_ema <= v_raw
    stats["dit"] = dict(clips=a.dit_clips, steps=a.dit_steps, final_loss=curve[-1][1],  # the batch: the recipe's
                        curve=curve, val_loss_raw=v_raw, val_loss_ema=v_ema, exported="ema" if use_ema else "raw",
                        val_clips=[DIT_HELDOUT, DIT_HELDOUT + (6 if a.quick else 96)], wall_s=round(time.time() - t1, 1),
                        **stats["dit_recipe"])
    log(f"dit done: val loss raw {v_raw:.4f} ema {v_ema:.4f}")
    torch.save(dict(te=cpu_state(te), dit=cpu_state(dit), ema_te=cpu_state(ema_te), ema_dit=cpu_state(ema_dit),
                    step=a.dit_steps, curve=curve, use_ema=use_ema, positions=a.dit_positions,
                    depth=a.dit_depth, patch=a.dit_patch, head=a.dit_head), os.path.join(a.work, "dit.pt"))
    if a.world > 1:
        json.dump(stats, open(os.path.join(a.work, "stats.json"), "w"))
        dist.destroy_process_group()
    return (ema_te, ema_dit) if use_ema else (te, dit)


def load_ckpts(a, stats):
    ft = os.path.join(a.work, "vae_ft.pt")
    enc, dec = load_vae(ft if os.path.exists(ft) else os.path.join(a.work, "vae.pt"))
    follow_autoencoder(a, enc)  # the DiT's in_c (and an old run's default t_probs) follow the autoencoder
    d = torch.load(os.path.join(a.work, "dit.pt"), map_location="cpu")
    recipe = stats.get("dit_recipe", dict(noise_shared=0.0, t_probs=a.t_probs, world=1))
    a.dit_positions = d.get("positions", recipe.get("positions", "frame"))  # the trained DiT's, not the flag's
    a.dit_depth = d.get("depth", recipe.get("depth", DIT_DEPTH))
    a.dit_patch = d.get("patch", recipe.get("patch", DIT_PATCH))
    a.dit_head = d.get("head", recipe.get("head", DIT_HEAD))
    te, dit = TextEncoder(), new_dit(a)
    use_ema = d.get("use_ema", True)
    te.load_state_dict(d["ema_te" if use_ema else "te"])
    dit.load_state_dict(d["ema_dit" if use_ema else "dit"])
    if os.path.exists(os.path.join(a.work, "stats_decoder.json")):
        stats["decoder"] = json.load(open(os.path.join(a.work, "stats_decoder.json")))
    sd = stats.setdefault("dit", {})
    sd["steps_done"] = d["step"]
    if sd.get("steps") != d["step"]:  # the DiT phase was stopped from outside: export its last checkpoint
        # the recipe's batch (recorded since 2026-12-06) over this export's --dit-batch; an older recipe has none
        sd.update(dict(steps=d["step"], curve=d["curve"], final_loss=d["curve"][-1][1], clips=a.dit_clips, batch=a.dit_batch,
                       stopped="killed at the wall-clock deadline; the LR is constant after warmup, so "
                       "--dit-steps with this step count reproduces it", wall_s=d["curve"][-1][2]), **recipe)
        val = encode_clips(enc, DIT_HELDOUT, 6 if a.quick else 96, frames=recipe.get("frames", FRAMES))
        ema_te, ema_dit = TextEncoder(), new_dit(a)
        ema_te.load_state_dict(d["ema_te"])
        ema_dit.load_state_dict(d["ema_dit"])
        raw_te, raw_dit = TextEncoder(), new_dit(a)
        raw_te.load_state_dict(d["te"])
        raw_dit.load_state_dict(d["dit"])
        shared, t_range = recipe["noise_shared"], tuple(recipe.get("t_range", FULL_T_RANGE))
        sd["val_loss_raw"] = validate(raw_te, raw_dit, val, a.seed, shared, t_range)
        sd["val_loss_ema"] = validate(ema_te, ema_dit, val, a.seed, shared, t_range)
        sd["val_clips"] = [DIT_HELDOUT, DIT_HELDOUT + (6 if a.quick else 96)]
        use_ema = sd["val_loss_ema"] <= sd["val_loss_raw"]
        te, dit = (ema_te, ema_dit) if use_ema else (raw_te, raw_dit)
        log(f"val loss raw {sd['val_loss_raw']:.4f} ema {sd['val_loss_ema']:.4f}")
    sd["exported"] = "ema" if use_ema else "raw"
    return enc, dec, te, dit

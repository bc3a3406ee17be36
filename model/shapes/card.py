"""TRAINING.md (the training card) and training.json (the same figures, machine-readable)."""
import json
import os
import platform

from provenance import (autoencoder_files, autoencoder_note, chain_section, chain_walls, figure, lineage, stage_chain,
                        warm_note)
from recipe_defaults import DIT_DEPTH, DIT_HEAD, DIT_PATCH, FG_TAU, FLOW_SHIFT, ROLLOUT_GAP, ROLLOUT_MIN_T

# model.json's version (export.py writes it) and the card's title. 1.1.0: the same recipe, DiT trained 4000 steps in one
# go. 1.2.0: the DiT trained from noise shared in part by all latent frames, on two processes (data parallel).
# 1.3.0: 1.2.0's DiT trained 4000 steps further (--init-from), the learning rate falling to 0 over the last 2000.
MODEL_VERSION = "1.3.0"
# What samples look like, unless training.json says ("looks": written by whoever looked at this run's samples).
LOOKS = ("At {steps} DiT steps the samples are blurry coloured blobs in the palette; the prompt changes the output but the"
         " background colour and shapes are often wrong, digits are not legible, and each latent frame decodes to {tc}"
         " near-identical frames, so motion jumps every {tc} frames (see the guidance table).")


def svg_curve(curves, w=520, h=180):
    """Inline SVG of log10(loss) against the fraction of each phase's steps, one polyline per phase."""
    import math
    colors = {"vae": "#d33", "dit": "#33d", "decoder": "#3a3"}
    vals = [math.log10(max(v, 1e-6)) for c in curves.values() for _, v, _ in c]
    lo, hi = min(vals), max(vals)
    lines = []
    for name, c in curves.items():
        n = c[-1][0]
        pts = " ".join(f"{40 + (s / n) * (w - 50):.1f},{10 + (1 - (math.log10(max(v, 1e-6)) - lo) / max(hi - lo, 1e-9)) * (h - 30):.1f}" for s, v, _ in c)
        lines.append(f'<polyline fill="none" stroke="{colors[name]}" stroke-width="1.5" points="{pts}"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}"><rect width="{w}" height="{h}" fill="white"/>'
            + "".join(lines)
            + f'<text x="40" y="{h - 5}" font-size="11">training progress (0 to 100% of each phase); log10 loss {lo:.2f}..{hi:.2f};'
              ' red: VAE, green: decoder fine-tune, blue: DiT</text></svg>')


def table(curve, every):
    rows = [r for r in curve if r[0] % every == 0 or r is curve[-1]]
    return "\n".join(["| step | mean loss (last 25 steps) | elapsed s |", "|---:|---:|---:|"]
                     + [f"| {s} | {v:.4f} | {e:.0f} |" for s, v, e in rows])


def measured_cell(r):
    if r.get("measured_ms") is None:
        return "not measured: " + r["why_not_measured"]
    ms = r["measured_ms"]
    rate = r["gflops"] / (ms / 1000)
    return f"**{ms:,.2f}** ({r.get('how', 'measured')}; {rate:.0f} GFLOP/s)"


def reproduction_section(rep):
    """The last check that a rerun lands within this card's metrics (model/shapes/reproduce.py --record)."""
    if not rep:
        return "\nNo rerun has been checked against this card yet (`model/shapes/reproduce.py`).\n"
    verdict = "within" if rep["within"] else "**outside**"
    rows = "\n".join(f"| {r['metric']} | {r['card']} | {r['rerun']} | {r['tolerance']} | { {True: 'yes', False: '**no**', None: '-'}[r['within']]} |"
                     for r in rep["rows"])
    title = f"the rerun is {verdict} this card's metrics"
    if rep.get("prefix"):  # reproduce.py --prefix: the same command with a smaller --dit-steps
        title = ("a shorter rerun of this command is identical as far as it ran" if rep["within"]
                 else "a shorter rerun of this command **differs** from this run")
    return f"""
### Reproduction check ({rep['date']}): {title}

{rep['how']}

| metric | this card | rerun | tolerance | within |
|---|---|---|---|---|
{rows}
"""


def lvp_ratio(rows):
    lat, pix = (rows + [{}, {}])[:2]
    if lat.get("measured_ms") is None or pix.get("measured_ms") is None:
        return ""
    return (f"\nAt the output geometry, one step over pixels took {pix['measured_ms'] / lat['measured_ms']:,.0f}x the time of one over"
            f" latents for {pix['gflops'] / lat['gflops']:,.0f}x the FLOPs: self-attention over {pix['tokens_per_item']:,} tokens"
            f" dominates and runs at a fraction of the matmul rate.\n")


def lvp_threads(rows, st):
    return next((r["threads"] for r in rows if "threads" in r), st.get("threads"))


def latent_of(st):
    """(temporal compression, latent channels) of the run's autoencoder (the DiT's recipe records them since the
    DiT follows the autoencoder; older runs: the VAE phase's figures, or 1.3.0's 4 and 8)."""
    src = st.get("dit_recipe") or {}
    vae = st.get("vae") or {}
    return src.get("tc", vae.get("tc", 4)), src.get("latent_c", vae.get("latent_c", 8))


def latent_flags(st):
    """--vae-tc/--latent-c where the autoencoder is not 1.3.0's (they shape every phase)."""
    tc, lc = latent_of(st)
    return f" --vae-tc {tc} --latent-c {lc}" if (tc, lc) != (4, 8) else ""


def recipe_flags(recipe, tc=4):
    """The DiT recipe's flags where they differ from the defaults (older runs have no recipe: all defaults; the
    default mix of clip lengths is 8/16/24 video frames, as latent frames at the autoencoder's compression tc)."""
    if not recipe:
        return ""
    probs = ",".join(f"{t}:{p}" for t, p in recipe["t_probs"].items())
    default = ",".join(f"{f // tc}:{p}" for f, p in ((8, 0.5), (16, 0.3), (24, 0.2)))
    return ((f" --noise-shared {recipe['noise_shared']}" if recipe["noise_shared"] > 0 else "")
            + (f" --t-probs {probs}" if probs != default else "")
            + (f" --world {recipe['world']}" if recipe["world"] > 1 else "")
            + (f" --dit-decay {recipe['decay']}" if recipe.get("decay") else "")
            + (f" --dit-positions {recipe['positions']}" if recipe.get("positions", "frame") != "frame" else "")
            + (f" --flow-shift {recipe['flow_shift']:g}" if recipe.get("flow_shift", FLOW_SHIFT) != FLOW_SHIFT else "")
            + (f" --fg-weight {recipe['fg_weight']:g}" if recipe.get("fg_weight") else "")
            + (f" --fg-tau {recipe['fg_tau']:g}" if recipe.get("fg_weight") and recipe["fg_tau"] != FG_TAU else "")
            + (" --ema-continue" if recipe.get("ema_continue") else "")
            + (f" --rollout {recipe['rollout']:g}" if recipe.get("rollout") else "")
            + (f" --dit-depth {recipe['depth']}" if recipe.get("depth", DIT_DEPTH) != DIT_DEPTH else "")
            + (f" --dit-patch {recipe['patch']}" if recipe.get("patch", DIT_PATCH) != DIT_PATCH else "")
            + (f" --dit-head {recipe['head']}" if recipe.get("head", DIT_HEAD) != DIT_HEAD else "")
            + (f" --device {recipe['device']}" if recipe.get("device", "cpu") != "cpu" else "")
            + (f" --amp {recipe['amp']}" if recipe.get("amp", "none") != "none" else ""))


def training_t_text(recipe):
    """The training t's law: 1.x's shift 3 (the sampler's), or this run's --flow-shift (a stage may differ from its source)."""
    shift = (recipe or {}).get("flow_shift", FLOW_SHIFT)
    if shift == FLOW_SHIFT:
        return f"training t = {shift:g}u / (1 + {shift - 1:g}u) with\n  u = sigmoid(N(0, 1)) (the sampler's shift {shift:g})"
    law = "t = u" if shift == 1.0 else f"t = {shift:g}u / (1 + {shift - 1:g}u)"
    return (f"training {law} with\n  u = sigmoid(N(0, 1)) (`--flow-shift {shift:g}`; the sampler keeps its shift {FLOW_SHIFT:g})")


def loss_text(recipe):
    """Plain MSE (1.x), or this run's --fg-weight: foreground latents counted more (validation stays plain)."""
    weight = (recipe or {}).get("fg_weight")
    if not weight:
        return ""
    unit = "std" if recipe["fg_tau"] == 1 else "stds"
    return (f"; the training loss counts foreground latents (more than {recipe['fg_tau']:g} latent {unit} from their frame's"
            f" background) {1 + weight:g} times (`--fg-weight {weight:g}`), validation plain MSE")


def rollout_text(recipe):
    """Plain flow matching (1.x), or this run's --rollout: a share of each batch on the sampler's own states."""
    share = (recipe or {}).get("rollout")
    if not share:
        return ""
    return (f"; {share:.0%} of each batch's rows at t >= {ROLLOUT_MIN_T:g} (`--rollout {share:g}`) take as input the state one"
            f" DDIM step down from the current weights' own prediction at a higher t ({ROLLOUT_GAP[0]:g}-{ROLLOUT_GAP[1]:g} above),"
            " with the velocity to the true clip as the target (train_dit.rollout_inputs)")


def decay_text(recipe):
    n = (recipe or {}).get("decay")
    return f" (the DiT's falling linearly to 0 over its last {n} steps)" if n else ""


def recipe_lines(recipe):
    if not recipe:
        return ""
    lines = []
    if recipe["noise_shared"] > 0:
        lines.append(f"- Noise prior (PYoCo's mixed noise): {recipe['noise_shared']:.0%} of the noise variance is one draw shared by"
                     " every latent frame of a clip, the rest each frame's own, in training and at sampling (`sampler."
                     "frameSharedNoise` in model.json; src/engine/denoise.ts draws it), so the frames of a clip start from"
                     " correlated noise and settle on the same shapes.")
    if recipe["world"] > 1:
        lines.append(f"- Data parallel: {recipe['world']} processes of one thread each, the same initial weights, their own batches"
                     " (seeds offset by 1000 per process), gradients and loss averaged by one gloo all-reduce per step; the"
                     " batch in the table is per process.")
    return "\n" + "\n".join(lines)


def palette_check_text(g, quick):
    return (f"Check: {g['clips']} held-out 8-frame captions (indexes {g['indexes']}), torch flow-euler ({12 if quick else 20}"
            f" steps, T = {g.get('latent_frames', 2)}, seed 0); pixels mapped to the nearest palette colour; L1 between generated and real palette"
            " histograms, and whether the most frequent colour (the background) matches.")


def sweep_step(st, out):
    """The guidance of a model whose scale was judged (not the export's palette check): the extra step."""
    sw = st.get("guidance_sweep")
    if not sw:
        return ""
    scales = ",".join(str(r["guidance"]) for r in sw["rows"])
    return (f"\nThe guidance scale ({st.get('guidance')}) came from a judged sweep after the first export (the ONNX files do not change):\n\n"
            f"```\nnode --import tsx model/shapes/guidance.ts --model {out} --clips {sw['clips']} --scales {scales} --start {sw['indexes'][0]}"
            f" > sweep.json\n<the command above> --phase export --guidance-sweep sweep.json\n```\n")


def sweep_rows(sw):
    head = (f"Sweep by `model/shapes/guidance.ts` (the one that chose): {sw['clips']} held-out dataset captions (indexes"
            f" {sw['indexes']}), generated through the engine at {sw['steps']} steps (2 s, seed = position + 1) and read by the"
            " level-2 judge; the smallest scale within 0.02 of the best mean accuracy wins.\n\n")
    return head + "\n".join(["| guidance | accuracy | background | colour | kind | motion |", "|---:|---:|---:|---:|---:|---:|"]
                             + [f"| {r['guidance']} | {r['accuracy']} | {r['background']} | {r['color']} | {r['kind']} | {r['motion']} |"
                                for r in sw["rows"]])


def export_flags(a):
    """The export's own flags, as given (the guidance only when fixed by hand: a check or sweep chose it otherwise)."""
    return ((f" --guidance {a.guidance}" if getattr(a, "guidance", None) is not None else "")
            + (f" --min-generated-frames {a.min_generated_frames}" if getattr(a, "min_generated_frames", 0) else "")
            + (f" --version {a.version}" if getattr(a, "version", None) else ""))


def version_of(a):
    """model.json's version and the card's title: --version (a stage's snapshot, say), else MODEL_VERSION"""
    return getattr(a, "version", None) or MODEL_VERSION


def title_version(a):
    """The card's title: the version of the manifest beside it (the export writes model.json first; a card re-rendered
    later by reproduce.py or stepcost.py, whose arguments carry no --version, keeps its model's)."""
    path = os.path.join(a.out, "model.json")
    return json.load(open(path))["version"] if os.path.exists(path) else version_of(a)


def provenance_of(a, st):
    """Fill st's stage chain and given autoencoder at export (a has the export's arguments); a re-render keeps what the
    export recorded (the source folders may be gone by then). -> (the chain, the export's own flags)."""
    exporting = hasattr(a, "phase")
    w = st.get("dit_warm_from")
    # the DiT phase records the chain beside its warm start; an export of an older run reads it from the source
    # folder, and only while exporting (a later re-render could find another model there: a released model's
    # folder is reused)
    if w and exporting and "stage_chain" not in st:
        if os.path.exists(os.path.join(w["folder"], "training.json")):
            st["stage_chain"] = stage_chain(st)
        else:
            print(f"card: {w['folder']}/training.json is gone and the DiT phase recorded no stage chain: the card has no Stages section")
    if exporting:
        st["export_flags"] = export_flags(a)
        st["min_generated_frames"] = getattr(a, "min_generated_frames", 0)
        if not st.get("vae") and not st.get("init_from") and not st.get("quick"):
            st["autoencoder"] = autoencoder_files(a.work)
    return st.get("stage_chain") or [], st.get("export_flags", "")


def frames_of(st):
    """The stream's --frames for the DiT's clips (the recipe's since clip lengths became a flag; before: 8,16,24)."""
    return ",".join(str(f) for f in ((st.get("dit_recipe") or {}).get("frames") or (8, 16, 24)))


def data_lines(vae, enc, dit, dd, tc):
    """The data each phase this run trained saw (a DiT phase on a given autoencoder has no VAE or decoder lines)."""
    lines = []
    if vae:
        lines.append(f"- VAE: clips [0, {vae.get('clips')}) = {vae.get('groups')} groups of {tc} frames; PSNR on held-out clips"
                     f" {vae.get('heldout_clips')}.")
    # per_T's keys are ints in the run that encoded and strings once read back from stats.json: print them one way
    per_t = ", ".join(f"{t}: {n}" for t, n in sorted((enc.get("per_T") or {}).items(), key=lambda tn: int(tn[0])))
    lines.append(f"- DiT: clips [0, {enc.get('clips')}) encoded once to latents (clips per latent length T: {per_t}); validation"
                 f" clips {dit.get('val_clips')}.")
    if dd:
        lines.append(f"- Decoder fine-tune: clips [0, {dd.get('clips')}), same loss and latent noise, encoder frozen (so the latent"
                     " space the DiT learned is unchanged).")
    return "\n" + "\n".join(lines)


def positions_text(recipe, tc):
    if (recipe or {}).get("positions") == "progress":
        return (f"sinusoidal temporal position at the place in the clip of each latent frame's frames, (tc i + (tc - 1) / 2) /"
                f" (F - 1) x 12 with tc = {tc} and F = tc T, computed in-graph from T (`--dit-positions progress`: a clip's"
                " motion spans it whatever its length, so a long clip asks for positions between trained ones)")
    return "sinusoidal temporal position computed in-graph from T (dynamic)"


def generated_frames_text(st):
    n = st.get("min_generated_frames")
    return (f"\n- Short clips are generated at {n} frames (`minGeneratedFrames` in model.json) and the engine keeps the decoded"
            " frame nearest each of the clip's own, so a 1 s clip's motion is made at the resolution the DiT learned."
            if n else "")


def vae_row(vae):
    if not vae:
        return ""
    return f"| VAE | {vae.get('steps')} | {vae.get('batch_groups')} groups | {figure(vae.get('final_loss'))} | {vae.get('wall_s')} |\n"


def decoder_row(dd, start_row):
    if not dd:
        return ""
    return (f"| decoder fine-tune (encoder frozen; ran beside the {'first ' if start_row else ''}DiT) | {dd.get('steps', '-')} |"
            f" {dd.get('batch_groups', '-')} groups | {figure(dd.get('final_loss'))} | {dd.get('wall_s', '-')} |\n")


def psnr_text(final_psnr, vae):
    if final_psnr is None:
        return ""
    return f"VAE held-out PSNR (exported decoder): **{figure(final_psnr, 2)} dB** (after the VAE phase: {figure(vae.get('heldout_psnr_db'), 2)} dB). "


def depth_of(st):
    """The DiT's blocks (`--dit-depth`; a recipe from before the flag: DIT_DEPTH)."""
    return (st.get("dit_recipe") or {}).get("depth", DIT_DEPTH)


def trained_on(st):
    """The machine of the card's opening line: the DiT phase's GPU where it ran on one (gpu_stage.py), else the CPU's cores."""
    gpu = (st.get("dit_hardware") or {}).get("device_name")
    return f"{gpu} (the DiT phase; exported on a {st['hardware']['cores']}-core CPU)" if gpu else f"{st['hardware']['cores']}-core CPU"


def patch_of(st):
    """The DiT's spatial patch (`--dit-patch`; a recipe from before the flag: 2)."""
    return (st.get("dit_recipe") or {}).get("patch", DIT_PATCH)


def patch_text(st, sep=" ("):
    """The DiT's patch and its tokens per latent frame: "patch [1, 2, 2] (4x7 tokens per latent frame)" (sep ", ": no
    parentheses, for a sentence already inside them)."""
    p = patch_of(st)
    return f"patch [1, {p}, {p}]{sep}{8 // p}x{14 // p} tokens per latent frame{')' if sep == ' (' else ''}"


def head_text(st):
    """The DiT's output head (`--dit-head`; a recipe from before the flag: linear, said by nothing)."""
    if (st.get("dit_recipe") or {}).get("head", DIT_HEAD) == DIT_HEAD:
        return ""
    return (" After the per-token output, a refining head (`--dit-head conv`, nets.RefineHead): three 3x3x3 convolutions"
            " (64 channels) over the latent grid, reading the token output and the noisy latent, shifted by the time and"
            " pooled-text condition, added to the token output.")


def write_card(a, st):
    vae, dit, enc, dd = st.get("vae", {}), st.get("dit", {}), st.get("encode", {}), st.get("decoder", {})
    final_psnr = dd.get("heldout_psnr_db", vae.get("heldout_psnr_db"))
    tc, lc = latent_of(st)
    warm = f" --dit-warm-from {st['dit_warm_from']['folder']}" if st.get("dit_warm_from") else ""
    cmd = (f"/usr/bin/python3 model/shapes/train.py --out {a.out} --seed {st.get('seed')} --threads {st.get('threads')}"
           f" --vae-clips {vae.get('clips')} --vae-steps {vae.get('steps')} --vae-batch {vae.get('batch_groups')}" + latent_flags(st)
           + f" --dit-clips {enc.get('clips')} --dit-steps {dit.get('steps')} --dit-batch {dit.get('batch')}"
           + (f" --dec-clips {dd.get('clips')} --dec-steps {dd.get('steps')}" if dd else "")
           + recipe_flags(st.get("dit_recipe"), tc) + warm)
    if st.get("quick"):
        cmd = f"/usr/bin/python3 model/shapes/train.py --out {a.out} --quick" + latent_flags(st) + recipe_flags(st.get("dit_recipe"), tc) + warm
    if st.get("init_from"):  # the DiT's further training alone; the rest comes from the starting model
        cmd = (f"/usr/bin/python3 model/shapes/train.py --out {a.out} --seed {st.get('seed')} --threads {st.get('threads')}"
               f" --init-from START --dit-clips {enc.get('clips')} --dit-steps {dit.get('steps')} --dit-batch {dit.get('batch')}"
               + recipe_flags(st.get("dit_recipe"), tc))
    elif not vae and not st.get("quick"):  # a DiT phase on an autoencoder given in the work folder (vae.pt, vae_ft.pt)
        cmd = (f"/usr/bin/python3 model/shapes/train.py --phase dit --work WORK --seed {st.get('seed')} --threads {st.get('threads')}"
               f" --dit-clips {enc.get('clips')} --dit-steps {dit.get('steps')} --dit-batch {dit.get('batch')}"
               + recipe_flags(st.get("dit_recipe"), tc) + warm
               # the export's --seed too (its default, the work folder's recorded seed, is the same): it is recorded as
               # the run's seed and seeds the validation of a stopped phase
               + f" && /usr/bin/python3 model/shapes/train.py --phase export --work WORK --out {a.out} --seed {st.get('seed')}")
    chain, flags = provenance_of(a, st)
    cmd += flags
    start_note, start_row, start_label = lineage(st)
    start_note += warm_note(st) + autoencoder_note(st.get("autoencoder"))
    st["reproduce"] = cmd
    st["hardware"] = dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), torch=st.get("torch"), threads=st.get("threads"),
                          **({"dit_phase": st["dit_hardware"]} if st.get("dit_hardware") else {}))
    summary = dict(
        vae_final_loss=vae.get("final_loss"), vae_heldout_psnr_db=final_psnr,
        vae_heldout_psnr_db_before_decoder_finetune=vae.get("heldout_psnr_db"), decoder_final_loss=dd.get("final_loss"),
        dit_final_loss=dit.get("final_loss"), dit_val_loss_raw=dit.get("val_loss_raw"), dit_val_loss_ema=dit.get("val_loss_ema"),
        dit_steps=dit.get("steps_done", dit.get("steps")), guidance=st.get("guidance"),
        wall_s=dict(vae=vae.get("wall_s"), encode=enc.get("wall_s"), dit=dit.get("wall_s"), decoder=dd.get("wall_s"),
                    export=st.get("export_wall_s")))
    st["summary"] = summary
    json.dump(st, open(os.path.join(a.out, "training.json"), "w"), indent=1)

    lvp = st.get("latent_vs_pixel", [])
    lvp_rows = "\n".join(f"| {r['case']} | {r['tokens_per_item']} | {r['gflops']} | {r['attention_matrix_gb']} | "
                         f"{measured_cell(r)} |" for r in lvp)
    g = st.get("guidance_check")
    g_rows = sweep_rows(st.get("guidance_sweep")) if st.get("guidance_sweep") else "" if not g else "\n".join(["| guidance | palette-histogram L1 (lower is better) | background colour correct |", "|---:|---:|---:|"]
                                         + [f"| {r['guidance']} | {r['palette_hist_l1']} | {r['background_correct']} |" for r in g["table"]])
    files = st.get("files", {})
    curves = {k: v["curve"] for k, v in (("vae", vae), ("dit", dit), ("decoder", dd)) if v.get("curve")}
    partial = f"\n**Note**: the DiT phase was {dit['stopped']} (step {dit.get('steps')}).\n" if dit.get("stopped") else ""
    if st.get("resumed_from"):
        partial += (f"\n**Note**: the DiT phase was stopped at step(s) {st['resumed_from']} and continued with `--phase dit --resume`"
                    " (since 2026-12-05 exactly, at the same `--world`: the checkpoint holds AdamW's moments and every process's"
                    " generators, so the rerun below computes the same; an older checkpoint restarted AdamW with a 100-step"
                    " re-warmup, and then the rerun is the same recipe and step count, not the same computation bit for bit).\n")
    walls = [w for w in summary["wall_s"].values() if isinstance(w, (int, float))]
    walls += [((st.get("init_from") or {}).get("dit") or {}).get("wall_s") or 0]  # the starting model's DiT, if any
    walls += chain_walls(chain)  # the earlier stages' DiTs
    version = title_version(a)
    md = f"""# kinema-shapes {version}: training card
{partial}{start_note}
A tiny trained text-to-video model for the Kinema engine: clips of one to three coloured shapes (circle,
square, triangle, digits 0-9) moving on a plain background, generated at 112x64 (every bucket; the engine's
encoder scales to the job's size) at 8 fps. Trained on a {trained_on(st)} ({sum(walls) / 60:.0f} minutes of phase wall
time in all, some of it side by side): it is undertrained. {st.get('looks') or LOOKS.format(steps=dit.get('steps'), tc=tc)}

## Reproduce

```
{cmd}
```

The phases can also run one at a time (`--phase vae`, then `--phase dit` and `--phase decoder` side by side, then
`--phase export`), each at `--threads` (the decoder fine-tune leaves the latent space alone, so its order does not
matter). A phase stopped by a wall-clock limit (`--vae-minutes`, `--dit-minutes`) records the step reached; the learning
rate is warmup-then-constant (unless `--dit-decay`), so the command above, with those step counts, reruns the same computation in one go (bit
for bit unless a phase was resumed; see any note at the top).
Deterministic from `--seed {st.get('seed')}` (torch.manual_seed, fixed clip indexes, fixed step counts) with
torch {st.get('torch')} at {st.get('threads')} threads. Checkpoints go to `--work` (default /tmp/kinema-shapes-work);
`--phase export` re-exports from them.{sweep_step(st, a.out)}
{chain_section(chain, version, dit.get('steps_done', dit.get('steps')))}{reproduction_section(st.get('reproduction'))}
## Data

`model/shapes/stream.ts` (the owner's generator, `dataset.ts`), `--frames {frames_of(st)} --width 112 --height 64`
(frame count cycles with the index; the DiT's clip lengths are drawn with the probabilities of its latent lengths T).
Pixels / 127.5 - 1.
{data_lines(vae, enc, dit, dd, tc)}
- Caption dropout 10% to the empty prompt "" (ids [BOS, EOS]) for classifier-free guidance.

## Architecture

- Byte tokenizer (src/engine/tokenizer.ts), maxLength 128.
- Text encoder: embedding 259x128 + learned positions, 2 pre-LN transformer layers (4 heads, MLP 512), final
  LayerNorm; padding mask computed from ids (0 = pad). ids int64 [B, L] -> float32 [B, L, 128].
- "VAE" (deterministic autoencoder, latent noise 0.05 in training): each group of {tc} frames is folded into {3 * tc}
  channels; Conv2d encoder 32-64-96 channels with 3 stride-2 convs -> {lc} channels at 1/8 size; decoder mirrors
  it with transposed convs. Temporal compression {tc}, spatial 8, no receptive field across latent frames (so the
  engine's chunked decode is exact). The per-channel latent mean/std is folded into both ONNX files:
  `vae_encoder.onnx` (frames float32 [B, 3, F, H, W] in [-1, 1], F a multiple of {tc} -> latent [B, {lc}, F/{tc}, H/8, W/8])
  outputs the normalised latent the DiT works in (~unit variance), and `vae_decoder.onnx` takes it back; so
  `scalingFactor` is 1 (the engine divides by 1 before decoding).
- DiT: {patch_text(st)}, hidden 192, depth {depth_of(st)}, 6 heads, MLP ratio 4; adaLN-Zero
  from timestep (sinusoid of 1000 t) + masked-mean-pooled text; cross-attention to the projected text with the
  text mask; learned spatial position + {positions_text(st.get('dit_recipe'), tc)}.{head_text(st)}{generated_frames_text(st)}
- Flow matching: x_t = (1 - t) x0 + t noise, target noise - x0 ("velocity"); {training_t_text(st.get('dit_recipe'))}{loss_text(st.get('dit_recipe'))}{rollout_text(st.get('dit_recipe'))}. AdamW 3e-4 (VAE: Adam 1e-3), linear warmup (100 / 50 steps) then constant{decay_text(st.get('dit_recipe'))}, grad clip 1, EMA 0.998
  (exported: {dit.get('exported')}, the lower validation loss).{recipe_lines(st.get('dit_recipe'))}

## Training

| phase | steps | batch | final loss | wall s |
|---|---:|---:|---:|---:|
{vae_row(vae)}{start_row}| encode latents{enc.get('label', '')} | - | - | - | {enc.get('wall_s_text', enc.get('wall_s'))} |
| DiT + text encoder{dit.get('label', start_label)} | {dit.get('steps_done', dit.get('steps'))} | {dit.get('batch')} clips (T {'/'.join(str(t) for t in (dit.get('t_probs') or {}) or (2, 4, 6))} w.p. {list((dit.get('t_probs') or {}).values())}) | {figure(dit.get('final_loss'))} | {dit.get('wall_s_text', dit.get('wall_s'))} |
{decoder_row(dd, start_row)}| export + checks | - | - | - | {st.get('export_wall_s')} |

{psnr_text(final_psnr, vae)}DiT validation loss (fixed t grid and noise): raw
{figure(dit.get('val_loss_raw'))}, EMA {figure(dit.get('val_loss_ema'))}. Hardware: {st['hardware']}{st.get('run_note', '')}.

{svg_curve(curves) if curves else ''}

### VAE loss (weighted L1 + MSE, shape pixels x5)

{table(vae.get('curve', []), max(25, (vae.get('steps') or 100) // 10 // 25 * 25)) if vae.get('curve') else 'n/a'}

### Decoder fine-tune loss

{table(dd.get('curve', []), max(50, (dd.get('steps') or 100) // 10 // 50 * 50)) if dd.get('curve') else 'n/a'}

### DiT loss (velocity MSE)

{table(dit.get('curve', []), max(25, (dit.get('steps') or 100) // 10 // 25 * 25)) if dit.get('curve') else 'n/a'}

## Guidance scale

Chosen: **{st.get('guidance')}**. {palette_check_text(g, st.get('quick')) if g and not st.get('guidance_sweep') else ''}

{g_rows}

## Latent vs pixel: one denoising step (B = 2, a 2 s clip at 8 fps = 16 frames)

Same DiT (hidden 192, depth {depth_of(st)}, MLP 4, 128 text tokens) over latents ({patch_text(st, ", ")})
or over RGB pixels. With N tokens per item, D = 192, L = 128 text tokens, P values per patch ({lc * patch_of(st) ** 2} latent, 12 pixel), B = 2:

    FLOPs = B * ( depth * [ 28 N D^2            (qkv, out, cross q, cross out, MLP D->4D->D: 2N*D*(3D+D+D+D+8D))
                          + 4 N^2 D              (self-attention scores + weighted sum)
                          + 4 N L D + 4 L D^2 ]  (cross-attention scores/sum, text K/V projection)
                  + 4 N P D + 2 L D_t D + 2 L D^2 )   (patch embed + unembed, text projection)

(conditioning MLPs, norms and softmax are per item or O(N D) and left out). Attention-matrix memory =
B x heads x N^2 x 4 bytes. Pixels: the same patch [1, 2, 2] over the 16 RGB frames (no VAE), so N = 16 x H/2 x W/2.
Measured by `model/shapes/stepcost.py` (fresh weights: they don't change the cost; the pixel step computes
self-attention 1024 queries at a time, the same arithmetic in the memory of one block).

| case | tokens per item | GFLOPs per step | attention matrix GB | ms per step (torch CPU, {lvp_threads(lvp, st)} thread(s)) |
|---|---:|---:|---:|---|
{lvp_rows}
{lvp_ratio(lvp)}
## Files

{chr(10).join(f'- `{k}`: {v / 1e6:.2f} MB' for k, v in files.items())}
- `model.json` lists all four files with their sha256 (`vae_encoder.onnx` is not used by the engine; the eval
  uses it as the feature extractor of a Frechet distance).

ONNX parity (onnxruntime-node vs torch, max abs error): `{json.dumps(st.get('onnx_parity'))}`
"""
    open(os.path.join(a.out, "TRAINING.md"), "w").write(md)

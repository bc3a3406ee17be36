"""Where a model's weights came from, for its card (card.py): the model a fine-tune started from (--init-from), the
model a DiT warm start copied (--dit-warm-from), the chain of stages a DiT trained in across sessions (each stage
warm-started from the previous stage's exported snapshot), and the autoencoder a DiT phase was given in its work
folder. Kept apart from the card's layout: these read other folders' files (training.json, model.json, *.pt)."""
import glob
import hashlib
import json
import os

CHECKPOINTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints")


def figure(v, n=4):  # a figure for the card: floats rounded, anything else as it is
    return round(v, n) if isinstance(v, float) else v


def sha256(path):  # the one file digest of model/shapes (manifests, autoencoder provenance)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def lineage(st):
    """A model trained on from another's weights (--init-from): where it started, and that run's DiT row."""
    src = st.get("init_from")
    if not src:
        return "", "", ""
    d = src.get("dit") or {}
    note = (f"\n**Started from kinema-shapes {src['version']}** (`--init-from`: the weights come back out of its ONNX files,"
            " `model/shapes/from_onnx.py`, which re-exports them byte for byte). Its autoencoder and decoder fine-tune are"
            f" kept as they were; its DiT and text encoder (EMA weights; validation loss {figure(src.get('val_loss'))} on this run's"
            f" latents) trained on. `START` below is that model's folder as committed in git (version {src['version']} of"
            f" `models/kinema-shapes/`; sha256 {', '.join(f'`{k}` {v[:12]}…' for k, v in src['files'].items())}); it was made by\n\n"
            f"```\n{src.get('reproduce')}\n```\n\nthen the judged guidance sweep its card describes.\n")
    row = (f"| DiT + text encoder ({src['version']}'s run) | {d.get('steps')} | {d.get('batch')} clips | {figure(d.get('final_loss'))}"
           f" | {d.get('wall_s')} |\n")
    return note, row, f" (trained on from {src['version']}'s)"


def warm_note(st):
    """--dit-warm-from: which of the DiT's and text encoder's tensors started from another model's."""
    w = st.get("dit_warm_from")
    if not w:
        return ""
    added = w.get("appended_blocks") or []
    from from_onnx import outside_appended  # (torch and onnx: only where a warm start is described)
    kept = set(outside_appended([s["name"] for s in w["skipped_shapes"]], added))  # appended blocks: named once below
    fresh = ", ".join(f"`{s['name']}` {s['shape']}" for s in w["skipped_shapes"] if s["name"] in kept)
    return (f"\n**DiT warm start** (`--dit-warm-from`): the text encoder and DiT started from kinema-shapes {w['version']}"
            f" ({w['folder']}, latent {w['from_latent']['latent_c']} channels at temporal compression {w['from_latent']['tc']};"
            f" weights out of its ONNX files, `model/shapes/from_onnx.py`): {w['copied_count']} tensors ({w['copied_params']:,}"
            f" values) whose name and shape match were copied; the others kept their fresh init ({fresh or 'none'}). Validation"
            f" loss at the start: {figure(w.get('val_loss'))}."
            + (f" The DiT is deeper than the snapshot's (`--dit-depth`): blocks {added[0]}-{added[-1]} were appended fresh,"
               " the identity at the start (adaLN gates zero from init, the cross-attention output zeroed), so training"
               " began from the snapshot's function." if added else "")
            + (f" The DiT's patch is 1x1 where the snapshot's is 2x2 (`--dit-patch 1`): its {', '.join(f'`{m}`' for m in w['mapped_to_1x1'])}"
               " are the snapshot's mapped onto the finer grid (`from_onnx.patch_1x1`: the 2x2 kernel summed, each position"
               " given to its cell's four tokens, the output the mean of the cell's four), so on a latent constant over"
               " each 2x2 cell training began from the snapshot's function." if w.get("mapped_to_1x1") else "")
            + (" The moving averages went on from the snapshot at their full decay from the first step (`--ema-continue`)."
               if (st.get("dit_recipe") or {}).get("ema_continue") else "") + "\n")


# ------------------------------------------------------------------------------------------ stages
def _root(w):
    """A chain's first model: the one the first stage warm-started from (a released model with a card of its own)."""
    return dict(version=w["version"], folder=w["folder"], denoiser_sha256=(w.get("files") or {}).get("denoiser.onnx"))


def _stage(w, src):
    """One earlier stage, from the warm-start report that named its folder (w) and its own training.json (src)."""
    s = src.get("summary") or {}
    return dict(_root(w), dit_steps=s.get("dit_steps"), dit_wall_s=(s.get("wall_s") or {}).get("dit"),
                val_loss_ema=s.get("dit_val_loss_ema"), seed=src.get("seed"),
                started_from=(src.get("dit_warm_from") or {}).get("version"), reproduce=src.get("reproduce"))


def stage_chain(st):
    """The stages before this run, oldest first: its warm start's source's own chain, then that source. Read at export
    from the source's training.json (its folder as the warm start named it, relative to where the export runs); a
    source without a recorded chain (a released model, or a snapshot exported before chains were recorded)
    contributes the model it warm-started from, if any. [] when this run did not warm-start."""
    w = st.get("dit_warm_from")
    if not w:
        return []
    path = os.path.join(w["folder"], "training.json")
    src = json.load(open(path)) if os.path.exists(path) else {}
    before = src.get("stage_chain")
    if before is None:
        if not src.get("dit_warm_from"):  # the source was not a stage: it is the chain's first model
            return [_root(w)]
        before = [_root(src["dit_warm_from"])]
    return before + [_stage(w, src)]


def chain_walls(chain):
    """The earlier stages' DiT wall seconds (for the card's total)."""
    return [c["dit_wall_s"] for c in chain if isinstance(c.get("dit_wall_s"), (int, float))]


def chain_section(chain, version, own_steps):
    """The card's "Stages" section: every stage's row and command, oldest first, then this card's own."""
    if not chain:
        return ""
    rows = []
    for i, c in enumerate(chain):
        steps = c.get("dit_steps")
        rows.append(f"| {i} | {c['version']} | `{c['folder']}` | {c.get('started_from') or '-'} | {steps if steps is not None else 'its card'} |"
                    f" {c.get('dit_wall_s') if c.get('dit_wall_s') is not None else '-'} | {figure(c.get('val_loss_ema')) if c.get('val_loss_ema') is not None else '-'} |"
                    f" `{(c.get('denoiser_sha256') or '?')[:12]}…` |")
    rows.append(f"| {len(chain)} (this card) | {version} | this folder | {chain[-1]['version']} | {own_steps} | see Training | see Training | model.json |")
    total = sum(c.get("dit_steps") or 0 for c in chain[1:] if c.get("dit_steps")) + (own_steps or 0)
    root = chain[0]
    commands = "\n".join(f"# stage {i}: {c['version']} (the next stage read its snapshot from {c['folder']})\n"
                         f"{c['reproduce']}" for i, c in enumerate(chain) if c.get("reproduce") and i > 0)
    return f"""
## Stages

The DiT and text encoder trained in {len(chain)} stage{'s' if len(chain) > 1 else ''} after kinema-shapes {root['version']}, one session or so each: every
stage started from the one before's exported snapshot (`--dit-warm-from`: the snapshot's weights, the EMA ones, seed both the weights
and their moving averages; AdamW's moments start fresh and the learning rate warms up again over 100 steps), {total:,} DiT steps in all. This card's own
stage is the last row; its command is under Reproduce. Stage 0 is `{root['folder']}` as committed at version
{root['version']} (its own card says how it was made; find it by the denoiser's sha256). A stage's snapshot folder
leaves the tree once the next stage lands: `git log --all -- FOLDER` finds the commit that holds it.

| stage | version | snapshot folder (as the next stage read it) | started from | DiT steps | DiT wall s | validation loss (EMA) | denoiser.onnx sha256 |
|---|---|---|---|---:|---:|---:|---|
{chr(10).join(rows)}
{commands_block(commands)}
"""


def commands_block(commands):
    if not commands:
        return ""
    return ("\nThe earlier stages' commands, in order (WORK: a work folder holding the autoencoder named at the top):\n\n"
            f"```\n{commands}\n```\n")


# ------------------------------------------------------------------------------------------ autoencoder
def autoencoder_files(work):
    """The autoencoder checkpoints a DiT phase found in its work folder (vae.pt; vae_ft.pt, the decoder fine-tune the
    export takes when present), each with its sha256 and the committed checkpoint holding the same bytes, if any."""
    committed = {sha256(p): "model/shapes/checkpoints/" + os.path.basename(p)
                 for p in sorted(glob.glob(os.path.join(CHECKPOINTS, "*.pt")))}
    out = {}
    for name in ("vae.pt", "vae_ft.pt"):
        p = os.path.join(work, name)
        if os.path.exists(p):
            h = sha256(p)
            out[name] = dict(sha256=h, committed=committed.get(h))
    return out


def autoencoder_note(files):
    """The card's line for an autoencoder the run was given rather than trained (a DiT phase's work folder)."""
    if not files:
        return ""
    parts = [f"`{name}` (sha256 {f['sha256'][:12]}…{', the bytes of `' + f['committed'] + '`' if f['committed'] else ''})"
             for name, f in files.items()]
    return ("\n**Autoencoder** given in the work folder, not trained by this command: " + " and ".join(parts)
            + ("; the export's decoder is `vae_ft.pt`'s" if "vae_ft.pt" in files else "")
            + ". `eval/reports/ceiling/README.md` says how the committed ones were made and what they reach.\n")

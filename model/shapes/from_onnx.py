"""Torch modules from an exported kinema-shapes folder: the weights come back out of its ONNX files, so a
shipped model can be trained further without the checkpoints of the run that made it.

torch.onnx.export renames and transposes some weights (constant folding turns Linear weights into
`onnx::MatMul_N` initializers holding W^T). Rather than guess those rules, `weight_map` exports a copy of
the module with distinct random weights through the same specs and finds each initializer's weight by
value; the graph, and so every initializer name, is the same for the shipped file.
"""
import glob
import hashlib
import json
import os
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from export import export_onnx, onnx_specs, trace
from nets import DiT, Decoder, Encoder, TextEncoder
from recipe_defaults import DIT_DEPTH
from train_common import state_as


def _tensors(module):
    return {**dict(module.named_parameters()), **dict(module.named_buffers())}


def weight_map(module, args, inputs, outputs, axes):
    """-> {initializer name: (state name, transposed)} for this module's export graph."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for t in _tensors(module).values():
            if t.is_floating_point():
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)  # distinct, non-zero: matched by value below
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "probe.onnx")
        trace(module, args, path, inputs, outputs, axes)
        inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    found = {}
    for state, t in _tensors(module).items():
        if not t.is_floating_point():
            continue
        v = t.detach().numpy()
        for name, arr in inits.items():
            if arr.size != v.size or arr.dtype != np.float32:
                continue
            if np.array_equal(arr.reshape(-1), v.reshape(-1)):
                found[name] = (state, False)
            elif v.ndim == 2 and np.array_equal(arr.reshape(-1), v.T.reshape(-1)):
                found[name] = (state, True)
    missing = {s for s, t in _tensors(module).items() if t.is_floating_point()} - {s for s, _ in found.values()}
    if missing:
        raise RuntimeError(f"weights not found in the export graph: {sorted(missing)}")
    return found


def load_into(module, spec_args, folder, file, inputs, outputs, axes):
    """Fill `module` with the weights of folder/file (stored as float16 `<name>_fp16` or float32 `<name>`)."""
    mapping = weight_map(module, spec_args, inputs, outputs, axes)
    stored = {i.name: numpy_helper.to_array(i) for i in onnx.load(os.path.join(folder, file)).graph.initializer}
    state = _tensors(module)
    with torch.no_grad():
        for name, (key, transposed) in mapping.items():
            arr = stored.get(name, stored.get(name + "_fp16"))
            if arr is None:
                raise RuntimeError(f"{file}: no initializer {name} (for {key})")
            arr = torch.from_numpy(arr.astype(np.float32))
            target = state[key]
            want = tuple(target.shape[::-1]) if transposed else tuple(target.shape)
            if [d for d in arr.shape if d != 1] != [d for d in want if d != 1]:  # a renumbered graph: refuse, don't guess
                raise RuntimeError(f"{file}: {name} has shape {tuple(arr.shape)}, {key} needs {want}")
            state[key].copy_((arr.reshape(target.shape[::-1]).T if transposed else arr.reshape(target.shape)))
    return module


def manifest_of(folder):
    return json.load(open(os.path.join(folder, "model.json")))


def dit_shape(m):
    """DiT(**dit_shape(m)): the DiT a model.json declares: its latent's channels and temporal compression, its temporal
    positions ("frame" or "progress"; 1.x: "frame"), blocks (6 before --dit-depth), patch ([1, 2, 2] before --dit-patch)
    and output head ("linear" before --dit-head)."""
    d = m["denoiser"]
    return dict(in_c=m["latentChannels"], tc=m["vae"]["temporalCompression"], positions=d.get("temporalPositions", "frame"),
                depth=d.get("depth", DIT_DEPTH), patch=tuple(d["patchSize"]), head=d.get("head", "linear"))


def temporal_positions(folder):
    """-> the DiT's temporal positions ("frame" or "progress", nets.DiT) from the folder's model.json (1.x: "frame")."""
    return dit_shape(manifest_of(folder))["positions"]


def latent_shape(m):
    """-> (temporal compression, latent channels) from a model.json (the autoencoder's shape and the DiT's in_c)."""
    return m["vae"]["temporalCompression"], m["latentChannels"]


def load_model(folder):
    """-> enc, dec, te, dit with the weights of an exported folder (models/kinema-shapes, say), built in the latent
    shape its model.json declares (vae.temporalCompression, latentChannels)."""
    m = manifest_of(folder)
    tc, lc = latent_shape(m)
    enc, dec, te, dit = (Encoder(tc=tc, latent_c=lc), Decoder(tc=tc, latent_c=lc), TextEncoder(), DiT(**dit_shape(m)))
    for module, args, file, inputs, outputs, axes in onnx_specs(enc, dec, te, dit):
        load_into(module, args, folder, file, inputs, outputs, axes)
    for m in (enc, dec, te, dit):
        m.eval()
    return enc, dec, te, dit


def load_checked(folder):
    """load_model, then export the modules again and require the same bytes as the folder's model.json lists:
    proof that every weight came back to its own place (a different torch exporter could number initializers
    differently)."""
    modules = load_model(folder)
    files = manifest_of(folder)["files"]
    with tempfile.TemporaryDirectory() as d:
        export_onnx(d, *modules)
        for name, digest in files.items():
            if hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest() != digest:
                raise RuntimeError(f"{folder}: {name} does not re-export byte for byte; its weights are not loaded faithfully")
    return modules


def start_from(folder, work, stats, log, resume=False):
    """train.py --init-from: the folder's autoencoder becomes the run's (vae.pt, for the latents and the export),
    its card's VAE and decoder figures carry over, and leftovers of another run in `work` that would override
    them (a fine-tuned decoder; unless resuming this run, a DiT checkpoint and latents cached from another
    encoder) are removed. -> the encoder."""
    enc, dec, _, _ = load_checked(folder)
    leftovers = ["vae_ft.pt", "stats_decoder.json"]
    if not resume:
        leftovers += ["dit.pt"] + [os.path.basename(p) for p in glob.glob(os.path.join(work, "latents-*.npz"))]
    for name in leftovers:
        if os.path.exists(os.path.join(work, name)):
            os.remove(os.path.join(work, name))
    torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict(), arch=dict(tc=enc.tc, latent_c=enc.lc)), os.path.join(work, "vae.pt"))
    before = json.load(open(os.path.join(folder, "training.json")))
    manifest = manifest_of(folder)
    for k in ("vae", "decoder"):
        stats[k] = before[k]
    stats["init_from"] = dict(folder=folder, version=manifest["version"], files=manifest["files"],
                              reproduce=before.get("reproduce"), dit=before.get("dit"), dit_recipe=before.get("dit_recipe"))
    log(f"starting from {folder} ({manifest['version']}): re-exported byte for byte")
    return enc


def outside_appended(names, appended):
    """The tensor names of a warm start's report that are not in its appended blocks (those are named as blocks)."""
    prefixes = tuple(f"dit.blocks.{i}." for i in appended)
    return [n for n in names if not n.startswith(prefixes)]


def save_torch_weights(folder, path):
    """The folder's text encoder and DiT as torch tensors (float16: the ONNX files' own values, so nothing is lost),
    with the folder's file digests. A machine whose torch exports ONNX differently (a lent GPU machine's torch 2.x;
    load_checked reads the weights back by tracing an export and requires byte-identical files) warm-starts from
    this file instead (train.py --dit-warm-weights); it is made where load_checked holds (this repo's torch 1.13)."""
    _, _, te, dit = load_checked(folder)
    manifest = manifest_of(folder)
    half = lambda m: state_as(m.state_dict(), torch.float16)  # noqa: E731
    torch.save(dict(files=manifest["files"], version=manifest["version"], te=half(te), dit=half(dit)), path)


def load_torch_weights(folder, path):
    """-> (te, dit) from save_torch_weights' file, which must name the folder's files (the same snapshot, so the DiT's
    shape is the folder's model.json's)."""
    w, m = torch.load(path, map_location="cpu"), manifest_of(folder)
    if w["files"] != m["files"]:
        raise ValueError(f"{path} holds the weights of other files than {folder}'s (model.json's digests differ)")
    te, dit = TextEncoder(), DiT(**dit_shape(m))
    te.load_state_dict(w["te"])
    dit.load_state_dict(w["dit"])
    return te, dit


def warm_start(folder, te, dit, copies=(), weights=None):
    """train.py --dit-warm-from: a new text encoder and DiT (of any latent shape) start from an exported model's. Every
    tensor whose name and shape match is copied (into te, dit and each (te, dit) pair in `copies`, the moving
    averages); the others keep their fresh init: the DiT's patch embed (`embed`, [192, in_c, 1, 2, 2]) and output
    (`out`, [4 in_c, 192]) when the latent channels differ, and the blocks a deeper DiT appends (--dit-depth). A 1x1
    DiT from a 2x2 snapshot (--dit-patch 1) takes the snapshot's patch embed, positions and output mapped onto the
    finer grid (patch_1x1). The folder's weights are checked to re-export byte for byte first (load_checked). -> a
    report for the stats (copied and skipped tensor names, with shapes). `weights`: save_torch_weights' file of the
    folder, read instead of its ONNX files."""
    te0, dit0 = load_torch_weights(folder, weights) if weights else load_checked(folder)[2:]
    if len(dit.blocks) < len(dit0.blocks):  # its last blocks would be dropped without a word
        raise ValueError(f"--dit-depth {len(dit.blocks)}: {folder}'s DiT has {len(dit0.blocks)} blocks; a warm start keeps them all")
    if dit0.head != dit.head and dit.head == "linear":  # its refining head would be dropped without a word
        raise ValueError(f"--dit-head linear: {folder}'s DiT has the {dit0.head} head; a warm start keeps it (--dit-head {dit0.head})")
    manifest = manifest_of(folder)
    if dit.patch != dit0.patch and (dit0.patch[1], dit.patch[1]) != (2, 1):
        raise ValueError(f"--dit-patch {dit.patch[1]}: a warm start maps a 2x2 snapshot's patch onto 1x1, not {dit0.patch} to {dit.patch}")
    copied, skipped, n_copied, n_fresh = [], [], 0, 0
    finer = patch_1x1(dit0) if dit.patch != dit0.patch else {}
    with torch.no_grad():
        for prefix, src, dst, others in (("te", te0, te, [c[0] for c in copies]), ("dit", dit0, dit, [c[1] for c in copies])):
            have = {**src.state_dict(), **(finer if prefix == "dit" else {})}
            for name, t in dst.state_dict().items():
                s = have.get(name)
                if s is not None and s.shape == t.shape:
                    for m in [dst] + others:
                        m.state_dict()[name].copy_(s)
                    copied.append(f"{prefix}.{name}")
                    n_copied += t.numel()
                else:
                    skipped.append(dict(name=f"{prefix}.{name}", shape=list(t.shape),
                                        source_shape=list(s.shape) if s is not None else None))
                    n_fresh += t.numel()
        # a deeper DiT's appended blocks start as the identity, so the start is the snapshot's function: their adaLN
        # gates are zero from init; the cross-attention output, which no gate scales, is zeroed here
        appended = list(range(len(dit0.blocks), len(dit.blocks)))
        for m in [dit] + [c[1] for c in copies]:
            for i in appended:
                m.blocks[i].cproj.weight.zero_()
                m.blocks[i].cproj.bias.zero_()
    tc, lc = latent_shape(manifest)
    return dict(folder=folder, version=manifest["version"], files=manifest["files"], from_latent=dict(tc=tc, latent_c=lc),
                to_latent=dict(latent_c=dit.in_c), copied=copied, copied_count=len(copied), copied_params=n_copied,
                skipped=[s["name"] for s in skipped], skipped_shapes=skipped, fresh_params=n_fresh, appended_blocks=appended,
                mapped_to_1x1=sorted(f"dit.{k}" for k in finer))


def patch_1x1(dit0):
    """A 2x2-patch DiT's patch embed, spatial positions and output as a 1x1-patch DiT's, named as its tensors. On a
    latent that is constant over each 2x2 cell the 1x1 DiT then computes what the 2x2 one does, its output being the
    cell's mean of the 2x2 one's (check_wiring.check_finer): a cell's four tokens get the embedding of the constant
    patch (the 2x2 kernel summed) and the cell's position, so self-attention sees each key four times, which the
    softmax weighs as once; the output of a 1x1 token is the mean of the four outputs its cell's token made. On real
    latents it is a start near the snapshot, not its function: training then uses the finer grid."""
    s, c, gh, gw = dit0.state_dict(), dit0.in_c, dit0.gh, dit0.gw
    spatial = s["spatial"].reshape(gh, gw, -1).repeat_interleave(2, 0).repeat_interleave(2, 1)
    out_w = s["out.weight"].reshape(4, c, -1).mean(0)  # rows ordered (ph, pw, channel) by DiT.forward's reshape
    return {"embed.weight": s["embed.weight"].sum((3, 4), keepdim=True), "embed.bias": s["embed.bias"],
            "spatial": spatial.reshape(gh * gw * 4, -1), "out.weight": out_w, "out.bias": s["out.bias"].reshape(4, c).mean(0)}

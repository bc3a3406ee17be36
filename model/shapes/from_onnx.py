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


def temporal_positions(folder):
    """-> the DiT's temporal positions ("frame" or "progress", nets.DiT) from the folder's model.json (1.x: "frame")."""
    return json.load(open(os.path.join(folder, "model.json"))).get("denoiser", {}).get("temporalPositions", "frame")


def dit_depth(folder):
    """The DiT's blocks as model.json records them (every manifest has them; 6 before --dit-depth)."""
    return json.load(open(os.path.join(folder, "model.json")))["denoiser"].get("depth", 6)


def latent_shape(folder):
    """-> (temporal compression, latent channels) from the folder's model.json (the autoencoder's shape and the DiT's in_c)."""
    m = json.load(open(os.path.join(folder, "model.json")))
    return m["vae"]["temporalCompression"], m["latentChannels"]


def load_model(folder):
    """-> enc, dec, te, dit with the weights of an exported folder (models/kinema-shapes, say), built in the latent
    shape its model.json declares (vae.temporalCompression, latentChannels)."""
    tc, lc = latent_shape(folder)
    enc, dec, te, dit = (Encoder(tc=tc, latent_c=lc), Decoder(tc=tc, latent_c=lc), TextEncoder(),
                         DiT(in_c=lc, positions=temporal_positions(folder), tc=tc, depth=dit_depth(folder)))
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
    files = json.load(open(os.path.join(folder, "model.json")))["files"]
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
    manifest = json.load(open(os.path.join(folder, "model.json")))
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


def warm_start(folder, te, dit, copies=()):
    """train.py --dit-warm-from: a new text encoder and DiT (of any latent shape) start from an exported model's. Every
    tensor whose name and shape match is copied (into te, dit and each (te, dit) pair in `copies`, the moving
    averages); the others keep their fresh init: the DiT's patch embed (`embed`, [192, in_c, 1, 2, 2]) and output
    (`out`, [4 in_c, 192]) when the latent channels differ, and the blocks a deeper DiT appends (--dit-depth). The
    folder's weights are checked to re-export byte for byte first (load_checked). -> a report for the stats (copied
    and skipped tensor names, with shapes)."""
    _, _, te0, dit0 = load_checked(folder)
    if len(dit.blocks) < len(dit0.blocks):  # its last blocks would be dropped without a word
        raise ValueError(f"--dit-depth {len(dit.blocks)}: {folder}'s DiT has {len(dit0.blocks)} blocks; a warm start keeps them all")
    manifest = json.load(open(os.path.join(folder, "model.json")))
    copied, skipped, n_copied, n_fresh = [], [], 0, 0
    with torch.no_grad():
        for prefix, src, dst, others in (("te", te0, te, [c[0] for c in copies]), ("dit", dit0, dit, [c[1] for c in copies])):
            have = src.state_dict()
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
    tc, lc = latent_shape(folder)
    return dict(folder=folder, version=manifest["version"], files=manifest["files"], from_latent=dict(tc=tc, latent_c=lc),
                to_latent=dict(latent_c=dit.in_c), copied=copied, copied_count=len(copied), copied_params=n_copied,
                skipped=[s["name"] for s in skipped], skipped_shapes=skipped, fresh_params=n_fresh, appended_blocks=appended)

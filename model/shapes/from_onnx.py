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


def load_model(folder):
    """-> enc, dec, te, dit with the weights of an exported folder (models/kinema-shapes, say)."""
    enc, dec, te, dit = Encoder(), Decoder(), TextEncoder(), DiT()
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
    torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict()), os.path.join(work, "vae.pt"))
    before = json.load(open(os.path.join(folder, "training.json")))
    manifest = json.load(open(os.path.join(folder, "model.json")))
    for k in ("vae", "decoder"):
        stats[k] = before[k]
    stats["init_from"] = dict(folder=folder, version=manifest["version"], files=manifest["files"],
                              reproduce=before.get("reproduce"), dit=before.get("dit"), dit_recipe=before.get("dit_recipe"))
    log(f"starting from {folder} ({manifest['version']}): re-exported byte for byte")
    return enc

"""Export a trained autoencoder alone (a candidate for kinema-shapes 2.0) so that eval/ceiling.ts can judge it
before any DiT is trained on its latents: vae_encoder.onnx, vae_decoder.onnx and a model.json whose `vae` block
and `latentChannels` describe it. The folder is not a runnable model (it has no text encoder or denoiser): the
engine refuses it, the ceiling script reads only the autoencoder.

  /usr/bin/python3 model/shapes/export_ae.py --work /tmp/ae-tc2 --out /tmp/ae-tc2/model [--name tc2c16]

Takes the work folder's vae_ft.pt (decoder fine-tune) if there is one, else vae.pt (or --source); weights are rounded to
float16 and stored so, exactly as export.py does for the shipped files.
"""
import argparse
import json
import os
import sys

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import HEIGHT, WIDTH, stream_clips  # noqa: E402
from export import _export, round_fp16  # noqa: E402
from provenance import sha256  # noqa: E402
from train_common import VAE_HELDOUT, load_vae, psnr  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--name", default=None, help="version suffix (default tc<T>c<C>)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--source", default=None, help="a checkpoint to export instead (e.g. vae.pt.partial, a running phase's: its "
                   "latent is not normalised yet, which changes nothing in a reconstruction)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    ft = os.path.join(a.work, "vae_ft.pt")
    source = a.source or (ft if os.path.exists(ft) else os.path.join(a.work, "vae.pt"))
    enc, dec = load_vae(source)
    enc.eval()
    dec.eval()
    round_fp16(enc, dec)
    held = list(stream_clips(VAE_HELDOUT, 48))
    held_psnr = psnr(enc, dec, held)  # train.py's figure, on the fp16-rounded weights that are exported
    axes = {"latent": {0: "batch", 2: "t", 3: "h", 4: "w"}, "frames": {0: "batch", 2: "frames", 3: "height", 4: "width"}}
    _export(dec, (torch.randn(1, dec.lc, 2, 8, 14),), os.path.join(a.out, "vae_decoder.onnx"), ["latent"], ["frames"], axes)
    _export(enc, (torch.rand(1, 3, 8, HEIGHT, WIDTH) * 2 - 1,), os.path.join(a.out, "vae_encoder.onnx"), ["frames"], ["latent"], axes)
    name = a.name or f"tc{enc.tc}c{enc.lc}"
    files = ["vae_decoder.onnx", "vae_encoder.onnx"]
    bucket = {"width": WIDTH, "height": HEIGHT}
    manifest = {
        "id": "kinema-shapes-ae", "version": f"2.0.0-ae.{name}", "trained": True,
        "description": f"autoencoder only ({source}): a kinema-shapes 2.0 candidate judged by eval/ceiling.ts; no text encoder or denoiser",
        "tokenizer": {"type": "bytes", "maxLength": 128, "padId": 0, "bosId": 1, "eosId": 2, "vocabSize": 259},
        "textEncoder": {"file": "text_encoder.onnx", "inputs": {"ids": "input_ids"}, "outputs": {"embeddings": "text_embeddings"}, "hiddenSize": 128},
        "denoiser": {"file": "denoiser.onnx", "inputs": {"latent": "latent", "timestep": "timestep", "text": "text_embeddings", "textMask": "text_mask"},
                     "outputs": {"prediction": "prediction"}, "patchSize": [1, 2, 2], "hiddenSize": 192, "depth": 6, "heads": 6, "mlpRatio": 4},
        "vae": {"file": "vae_decoder.onnx", "inputs": {"latent": "latent"}, "outputs": {"frames": "frames"},
                "temporalCompression": enc.tc, "spatialCompression": 8, "scalingFactor": 1},
        "latentChannels": enc.lc, "frameRate": 8, "prediction": "velocity",
        "sampler": {"default": "flow-euler", "guidanceScale": 5},
        "buckets": {k: dict(bucket) for k in ("CPU", "R480P", "R720P", "R1080P")},
        "files": {f: sha256(os.path.join(a.out, f)) for f in files},
    }
    json.dump(manifest, open(os.path.join(a.out, "model.json"), "w"), indent=2)
    stats = json.load(open(os.path.join(a.work, "stats.json"))) if os.path.exists(os.path.join(a.work, "stats.json")) else {}
    summary = dict(source=source, tc=enc.tc, latent_c=enc.lc, heldout_psnr_db=held_psnr,
                   sizes={f: os.path.getsize(os.path.join(a.out, f)) for f in files},
                   vae={k: v for k, v in stats.get("vae", {}).items() if k != "curve"})
    json.dump(summary, open(os.path.join(a.out, "export_ae.json"), "w"), indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

"""A DiT stage on a lent GPU machine (the device tool), made to fit one call of under ten minutes, and its way back.

Such a machine has PyTorch 2.x but no node, and a session gets it for 15 minutes at most: one call. So the clips are
rendered by dataset_py.py (byte for byte stream.ts's), the snapshot's weights travel as a torch file (its ONNX files
read back only under this repo's torch 1.13), each candidate trains in its own process for a wall-clock budget, and
what comes back is small enough for the tool ($OUT: 8 files of 16 MiB at most): per candidate its chosen weights in
float16, its stats.json and its log. The export (ONNX, card, checks) then runs here, as every stage's does.

  here:  /usr/bin/python3 model/shapes/gpu_stage.py kit                      # .kit/stage-5.pt (.kit/ is git-ignored)
  there: python3 model/shapes/gpu_stage.py run --out $OUT --minutes 5.5      # device run, carry [".kit"]
  here:  /usr/bin/python3 model/shapes/gpu_stage.py unpack --from FILES_AT/p1 --work /tmp/m2ae/g-p1
         then train.py --phase export --work /tmp/m2ae/g-p1 ... (printed)

`run --device cpu --clips 40 --minutes 0.3` rehearses every step here but CUDA's (model/shapes/TRAINING-2.0.md).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SNAPSHOT = "model/shapes/checkpoints/dit-stage-5"
KIT = ".kit"
WEIGHTS = os.path.join(KIT, "stage-5.pt")
VAE, VAE_FT = "model/shapes/checkpoints/tc2c16-vae.pt", "model/shapes/checkpoints/tc2c16-vae-ft1000.pt"
T_PROBS = "4:0.3,8:0.3,12:0.2,16:0.2"
FRAMES = (8, 16, 24, 32)  # the video frames of T_PROBS's latent lengths at tc 2
CKPT_FACTS = ("step", "curve", "positions", "depth", "patch", "head")  # what a dit.pt says besides its weights, carried both ways
# the candidates of the model change TRAINING-2.0.md asks for, each beside a control of stage 5's shape trained as long
CANDIDATES = {
    # 8x14 tokens per latent frame: a shape's outline across tokens. Its moving averages start afresh (no --ema-continue):
    # its start is far from the snapshot's function (validation 1.60 vs 0.375), and averages carried on at 0.998 stayed
    # near that start (a CPU rehearsal's step-400 averages: 0.996 where the weights themselves were ~0.5)
    "p1": dict(seed=1246, flags=["--dit-patch", "1"]),
    "p2": dict(seed=1247, flags=["--ema-continue"]),  # stage 5's 2x2 patch, the same steps: what the patch buys over more training
    # stage 5's shape with the refining head (--dit-head conv), whose zeroed last convolution keeps the snapshot's function at
    # the start; on the CPU (stage 6h, TRAINING-2.0.md) 1,200 steps lowered the validation loss and moved no kind
    "p3": dict(seed=1248, flags=["--dit-head", "conv", "--ema-continue"]),
}
DEFAULT_CANDIDATES = "p1,p2"
MAX_BACK = 8  # files a device call brings back from $OUT: each candidate's three and the run log


def log(*x):
    print(time.strftime("%H:%M:%S"), *x, flush=True)


def kit(_a):
    sys.path.insert(0, HERE)
    from from_onnx import save_torch_weights
    os.makedirs(os.path.join(ROOT, KIT), exist_ok=True)
    save_torch_weights(os.path.join(ROOT, SNAPSHOT), os.path.join(ROOT, WEIGHTS))
    log(f"wrote {WEIGHTS} ({os.path.getsize(os.path.join(ROOT, WEIGHTS)) / 1e6:.1f} MB): carry {KIT!r} to the device run")


def train_cmd(a, name, work):
    c = CANDIDATES[name]
    return [sys.executable, os.path.join(HERE, "train.py"), "--phase", "dit", "--dit-warm-from", SNAPSHOT,
            "--dit-warm-weights", WEIGHTS, "--work", work, "--out", os.path.join(work, "out"), "--seed", str(c["seed"]),
            "--threads", str(a.threads), "--world", "1", "--dit-clips", str(a.clips), "--dit-steps", "1000000", "--dit-minutes",
            str(a.minutes), "--dit-batch", str(a.batch), "--noise-shared", "0.5", "--t-probs", T_PROBS, "--dit-positions", "progress",
            "--device", a.device, "--amp", a.amp, "--dit-ckpt-every", str(a.ckpt_every), *c["flags"]]


def preflight(device):
    """nets.attention's fused path (torch 2's scaled_dot_product_attention, which this repo's torch 1.13 cannot run)
    against its plain one on the device, in float32 and under bfloat16 autocast, masked as the cross-attention is.
    On any error or difference the candidates train on the plain path (KINEMA_SHAPES_SDPA=0): slower, never wrong.
    -> False where the fused path failed (the plain path then holds every attention map, which limits the batch)."""
    sys.path.insert(0, HERE)
    import torch
    import nets
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 300, 192, generator=g).to(device) for _ in range(3))
    bias = torch.where(torch.rand(2, 1, 1, 300, generator=g) < 0.3, -1e4, 0.0).to(device)
    fused_ok = True
    try:
        got = {}
        for fused in (True, False):
            nets.USE_SDPA = fused
            got[fused] = nets.attention(q, k, v, 6, bias)
            with torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
                nets.attention(q, k, v, 6, bias).float().sum().item()
        err = float((got[True] - got[False]).abs().max())
        if err > 1e-3:
            raise RuntimeError(f"fused attention differs from the plain one by {err}")
        log(f"preflight: fused attention matches the plain one (max difference {err:.2e})")
    except Exception as e:  # noqa: BLE001 (any failure: fall back, and say why)
        os.environ["KINEMA_SHAPES_SDPA"] = "0"  # (the candidates' processes read it when they import nets)
        log(f"preflight: fused attention off ({type(e).__name__}: {e})")
        fused_ok = False
    nets.USE_SDPA = nets.HAVE_SDPA and fused_ok
    return fused_ok


def encode_once(a, root):
    """The training clips' latents, once for every candidate (each finds them in its work folder's cache)."""
    sys.path.insert(0, HERE)
    import torch
    from train_common import encode_clips, load_vae
    enc = load_vae(os.path.join(ROOT, VAE))[0].to(a.device)  # the encoder train.py --phase dit loads (vae.pt)
    t0 = time.time()
    encode_clips(enc, 0, a.clips, root, FRAMES)
    log(f"encoded {a.clips} clips in {time.time() - t0:.0f}s ({torch.__version__}, {a.device})")
    return f"latents-0-{a.clips}-f" + "-".join(map(str, FRAMES)) + ".npz"


def run(a):
    started = time.time()
    os.environ.update(KINEMA_SHAPES_CLIPS="python", KINEMA_SHAPES_CLIP_PROCS=str(a.procs), PYTHONUNBUFFERED="1")
    os.chdir(ROOT)
    if not os.path.exists(WEIGHTS):
        raise SystemExit(f"{WEIGHTS} is missing: run `gpu_stage.py kit` here and carry {KIT!r}")
    names = a.candidates.split(",")
    if 3 * len(names) + 1 > MAX_BACK or not set(names) <= set(CANDIDATES):
        raise SystemExit(f"--candidates {a.candidates}: at most {(MAX_BACK - 1) // 3} of {sorted(CANDIDATES)} (a device call brings "
                         f"back {MAX_BACK} files: three a candidate and the run log)")
    root = os.path.abspath(a.work)
    os.makedirs(root, exist_ok=True)
    if a.device != "cpu":
        subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv"], check=False)
    if not preflight(a.device) and a.batch > 32:
        log(f"plain attention holds every [N, N] map for the backward pass: batch {a.batch} -> 32 (two candidates' maps "
            "at 1x1 patches, T 16, would not fit side by side)")
        a.batch = 32
    cache = encode_once(a, root)
    procs = {}
    for name in names:
        work = os.path.join(root, name)
        os.makedirs(work, exist_ok=True)
        for src, dst in ((VAE, "vae.pt"), (VAE_FT, "vae_ft.pt")):
            shutil.copy(src, os.path.join(work, dst))
        if not os.path.exists(os.path.join(work, cache)):
            os.link(os.path.join(root, cache), os.path.join(work, cache))
        out = open(os.path.join(work, "train.log"), "w")
        procs[name] = (subprocess.Popen(train_cmd(a, name, work), stdout=out, stderr=subprocess.STDOUT), out)
        log(f"{name}: started ({' '.join(CANDIDATES[name]['flags']) or 'stage 5 shape'})")
    failed = []
    for name, (p, out) in procs.items():
        stopped = False
        try:  # the device call is killed at its limit with nothing brought back: stop first, keep the last checkpoint
            p.wait(timeout=max(1.0, a.deadline - (time.time() - started)))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            stopped = True
            log(f"{name}: stopped at the {a.deadline:.0f} s deadline; its last periodic checkpoint is what comes back")
        out.close()
        tail = open(os.path.join(root, name, "train.log")).read().splitlines()[-3:]
        log(f"{name}: exit {p.returncode}; " + " | ".join(tail))
        if p.returncode and not stopped:
            failed.append(name)
        slim(os.path.join(root, name), os.path.join(a.out, name))
    if failed:
        raise SystemExit(f"failed: {failed}")


def slim(work, dest):
    """The chosen weights (the moving averages or the raw ones, as the phase chose) in float16, the stats and the log."""
    os.makedirs(dest, exist_ok=True)
    shutil.copy(os.path.join(work, "train.log"), dest)
    if not os.path.exists(os.path.join(work, "dit.pt")):
        return
    import torch
    d = torch.load(os.path.join(work, "dit.pt"), map_location="cpu", weights_only=False)
    from train_common import state_as
    ema = d.get("use_ema", True)
    torch.save(dict(te=state_as(d["ema_te" if ema else "te"], torch.float16), dit=state_as(d["ema_dit" if ema else "dit"], torch.float16),
                    use_ema=ema, **{k: d[k] for k in CKPT_FACTS}), os.path.join(dest, "slim.pt"))
    shutil.copy(os.path.join(work, "stats.json"), dest)


def unpack(a):
    """A work folder an export reads as a finished DiT phase: the autoencoder the stage trained over, its stats, and
    a dit.pt holding the chosen weights under both names (raw and moving average), marked as the phase chose."""
    sys.path.insert(0, HERE)
    import torch
    from train_common import state_as
    os.makedirs(a.work, exist_ok=True)
    for src, dst in ((VAE, "vae.pt"), (VAE_FT, "vae_ft.pt")):
        shutil.copy(os.path.join(ROOT, src), os.path.join(a.work, dst))
    s = torch.load(os.path.join(a.src, "slim.pt"), map_location="cpu")
    te, dit = state_as(s["te"], torch.float32), state_as(s["dit"], torch.float32)
    torch.save(dict(te=te, dit=dit, ema_te=te, ema_dit=dit, use_ema=s["use_ema"], **{k: s[k] for k in CKPT_FACTS}),
               os.path.join(a.work, "dit.pt"))
    stats = json.load(open(os.path.join(a.src, "stats.json")))
    json.dump(stats, open(os.path.join(a.work, "stats.json"), "w"))
    done = stats.get("dit")  # absent where the run was stopped at its deadline: the export validates the checkpoint
    log(f"{a.work}: step {s['step']}, patch {s['patch']}, head {s['head']}, " + (f"val loss raw {done['val_loss_raw']:.4f} ema "
        f"{done['val_loss_ema']:.4f} ({'ema' if s['use_ema'] else 'raw'} kept)" if done else "stopped at a periodic checkpoint"))
    print(f"LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 model/shapes/train.py --phase export "
          f"--work {a.work} --out {a.work}/out --seed {stats['seed']} --threads 1 --guidance 5 --min-generated-frames 16 "
          f"--version 2.0.0-gpu-{os.path.basename(os.path.normpath(a.src))} --dit-clips {stats['encode']['clips']} --dit-batch {stats['dit_recipe']['batch']}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("kit", help="here: the snapshot's weights as a torch file, for the device run")
    r = sub.add_parser("run", help="on the GPU: encode once, train the candidates side by side, slim their results")
    r.add_argument("--out", default=os.environ.get("OUT", "/tmp/gpu-out"))
    r.add_argument("--work", default="/tmp/gpu-stage")
    r.add_argument("--minutes", type=float, default=5.5, help="each candidate's DiT training wall time (the encode before it and "
                   "the validation and copies after it take ~2-3 minutes more: a device call runs 10 at most)")
    r.add_argument("--deadline", type=float, default=540, help="seconds from the start after which unfinished candidates are "
                   "stopped and their last periodic checkpoint (--ckpt-every) slimmed instead")
    r.add_argument("--threads", type=int, default=2, help="each candidate's CPU threads (batches, the optimizer's host side)")
    r.add_argument("--ckpt-every", type=int, default=1000, help="steps between the candidates' periodic checkpoints")
    r.add_argument("--clips", type=int, default=20000)
    r.add_argument("--batch", type=int, default=64, help="clips a step (stage 5: 32; a small DiT leaves a GPU mostly idle "
                   "at 32, so twice the clips cost little more time a step)")
    r.add_argument("--candidates", default=DEFAULT_CANDIDATES)
    r.add_argument("--device", default="cuda")
    r.add_argument("--amp", default="bf16", choices=["none", "bf16"])
    r.add_argument("--procs", type=int, default=max(1, (os.cpu_count() or 2) - 2), help="clip-rendering processes")
    u = sub.add_parser("unpack", help="here: a returned candidate's files as a work folder ready for the export")
    u.add_argument("--from", dest="src", required=True)
    u.add_argument("--work", required=True)
    a = p.parse_args()
    dict(kit=kit, run=run, unpack=unpack)[a.cmd](a)


if __name__ == "__main__":
    main()

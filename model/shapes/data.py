"""Clip data from the owner's TypeScript generator (model/shapes/stream.ts, the source of truth) and the
byte tokenizer of src/engine/tokenizer.ts."""
import json
import os
import subprocess
import unicodedata

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WIDTH, HEIGHT = 112, 64
FRAMES = (8, 16, 24)
MAX_LEN = 128
PAD, BOS, EOS = 0, 1, 2


def stream_cmd(start, count, frames=FRAMES):
    base = os.environ.get("KINEMA_SHAPES_STREAM")  # test hook only: another command with the same protocol
    cmd = base.split() if base else ["node", "--import", "tsx", "model/shapes/stream.ts"]
    return cmd + ["--start", str(start), "--count", str(count), "--frames", ",".join(map(str, frames)),
                  "--width", str(WIDTH), "--height", str(HEIGHT)]


def stream_clips(start, count, frames=FRAMES):
    """Yields (index, caption, uint8 [F, H, W, 3]) for clips [start, start + count). KINEMA_SHAPES_CLIPS=python:
    from dataset_py.py (the same bytes, checked by check_dataset_port.py) instead of node, for a machine without it
    (a lent GPU machine: model/shapes/gpu_stage.py)."""
    if os.environ.get("KINEMA_SHAPES_CLIPS") == "python":  # KINEMA_SHAPES_CLIP_PROCS: rendering processes
        from dataset_py import stream_clips as python_clips
        yield from python_clips(start, count, frames, WIDTH, HEIGHT, int(os.environ.get("KINEMA_SHAPES_CLIP_PROCS", "1")))
        return
    proc = subprocess.Popen(stream_cmd(start, count, frames), cwd=ROOT, stdout=subprocess.PIPE, bufsize=1 << 22)
    try:
        for _ in range(count):
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("stream.ts ended early")
            head = json.loads(line)
            n = head["frames"] * head["height"] * head["width"] * 3
            raw = proc.stdout.read(n)
            if len(raw) != n:
                raise RuntimeError("short read from stream.ts")
            yield head["index"], head["caption"], np.frombuffer(raw, np.uint8).reshape(
                head["frames"], head["height"], head["width"], 3)
    finally:
        proc.stdout.close()
        if proc.wait() != 0:
            raise RuntimeError(f"stream.ts exited with {proc.returncode}")


def tokenize(text, max_len=MAX_LEN):
    """Exactly src/engine/tokenizer.ts: NFC, UTF-8 bytes + 3, BOS/EOS, truncate to max_len - 2, pad 0."""
    b = unicodedata.normalize("NFC", text).encode("utf-8")[: max_len - 2]
    ids = np.zeros(max_len, np.int64)
    ids[0] = BOS
    ids[1:1 + len(b)] = np.frombuffer(b, np.uint8).astype(np.int64) + 3 if b else []
    ids[1 + len(b)] = EOS
    return ids


def to_model(frames_u8):
    """uint8 [N, F, H, W, 3] -> float32 [N, 3, F, H, W] in [-1, 1] (as a torch tensor)."""
    import torch
    x = torch.from_numpy(np.ascontiguousarray(frames_u8))
    return x.permute(0, 4, 1, 2, 3).float().div_(127.5).sub_(1.0)


def random_groups(groups, batch, g):
    """A batch of frame groups drawn with generator g: uint8 [N, tc, H, W, 3] -> float [B, 3, tc, H, W]."""
    import torch

    idx = torch.randint(len(groups), (batch,), generator=g).numpy()
    return to_model(groups[idx].reshape(batch, groups.shape[1], HEIGHT, WIDTH, 3))

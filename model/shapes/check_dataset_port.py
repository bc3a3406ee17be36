"""Checks dataset_py.py against model/shapes/stream.ts: the same caption and the same bytes for every clip of a few
index ranges (training, held-out, the eval's golden indexes), at the training clips' lengths. Run by hand after
changing either (CI has no torch, and this needs node):
  /usr/bin/python3 model/shapes/check_dataset_port.py [--count 2000] [--procs N]
Prints one JSON line; exits 1 at the first clip that differs, naming it."""
import argparse
import json
import sys
import time

import numpy as np

import data
import dataset_py

RANGES = (0, 99_500_000, 1_000_000_000)  # training, the DiT's held-out clips, the eval's golden clips
FRAMES = (8, 16, 24, 32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=2000, help="clips per range")
    p.add_argument("--procs", type=int, default=1, help="the port's rendering processes (the GPU run's path)")
    a = p.parse_args()
    checked, secs = 0, {"node": 0.0, "python": 0.0}
    for start in RANGES:
        t0 = time.time()
        node = list(data.stream_clips(start, a.count, FRAMES))
        secs["node"] += time.time() - t0
        t0 = time.time()
        py = list(dataset_py.stream_clips(start, a.count, FRAMES, data.WIDTH, data.HEIGHT, a.procs))
        secs["python"] += time.time() - t0
        for (i, cap, f), (j, cap2, f2) in zip(node, py):
            if i != j or cap != cap2 or f.shape != f2.shape or not np.array_equal(f, f2):
                diff = int(np.abs(f.astype(int) - f2.astype(int)).max()) if f.shape == f2.shape else "shape"
                print(json.dumps(dict(ok=False, index=i, caption=cap, python_caption=cap2, max_byte_diff=diff)))
                sys.exit(1)
            checked += 1
    print(json.dumps(dict(ok=True, clips=checked, ranges=RANGES, frames=FRAMES,
                          seconds={k: round(v, 1) for k, v in secs.items()})))


if __name__ == "__main__":
    main()

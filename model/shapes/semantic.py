"""Semantic latent channels (issue 19, a design step): the latent the DiT generates is the autoencoder's 16 channels plus
one channel per kind (circle, square, triangle, digits 0-9) holding that kind's coverage of each latent cell, and two
holding the coverage times the cosine and sine of the shape's rotation.

Why: stage 5's probe (TRAINING-2.0.md) says a shape's kind is decided at high noise, where the flow's best prediction
of a clip is the mean over the layouts a prompt allows: a round blob, whatever kind the caption names. Of an outline,
the mean is a blob; of a channel per kind, the mean is still that kind's channel: at t near 1 the DiT predicts "triangle
coverage, spread where the triangle may be", and as the layout settles, a region of triangle coverage. The decoder
draws the outline (and a digit's strokes) from that region, a local task for its convolutions, trained on the true
coverage with the autoencoder's latents of the same clip drawn with every shape a circle, so it cannot take the
outline from the 16 channels alone.

The maps come from dataset_py.py's coverage (dataset.ts's, byte for byte), pooled over each latent cell's frames
(the autoencoder's temporal compression) and 8x8 pixels. semantic_train.py trains and exports with them.

KINEMA_SEM_MAPS picks the layout (semantic_train.py cache records it in the work folder; the other commands refuse a
folder cached with another): "cells" (the default, the maps above) or "outline4", which adds the shapes' summed
coverage at 4x4 pixels, a cell's four sub-cells as four channels after the kinds (space to depth). Why: a golden
triangle (radius ~10 px) spans 2-3 cells of 8x8, so its corners are in the cell maps only as a computation across
cells the decoder did not learn (TRAINING-2.0.md, "The decoder on the DiT's own finish"); at 4 px its outline is
drawn in the maps themselves.
"""
import math
import os

import numpy as np

from dataset_py import DIGITS, SHAPE_KINDS, coverage, render_clip, sample_clip, shape_state_at

KINDS = SHAPE_KINDS + DIGITS
TC, AE_C = 2, 16  # the autoencoder's temporal compression and channels (checkpoints/tc2c16-vae*.pt)
OUTLINE_PX = {"cells": 0, "outline4": 4}  # the outline's sub-cell in pixels (0: no outline channels)
MAPS = os.environ.get("KINEMA_SEM_MAPS", "cells")
if MAPS not in OUTLINE_PX:
    raise SystemExit(f"KINEMA_SEM_MAPS={MAPS}: one of {', '.join(OUTLINE_PX)}")
CELL = 8  # the autoencoder's spatial compression
OUTLINE = OUTLINE_PX[MAPS]
OUTLINE_C = (CELL // OUTLINE) ** 2 if OUTLINE else 0
SEM_C = len(KINDS) + OUTLINE_C + 2  # kinds, outline sub-cells, coverage x cos and x sin of the rotation
# a shape's cells read 3 (the autoencoder's channels have unit variance): loud enough that the noise of t ~0.7
# leaves the kind readable, which is where stage 5's outlines are already lost
SEM_SCALE = 3.0


def semantic_maps(spec, frames, tc, width, height, sc=CELL):
    """float32 [SEM_C, frames / tc, height / sc, width / sc] for a clip spec (dataset_py.sample_clip's)."""
    full = np.zeros((len(KINDS) + 2, frames, height, width))
    for f in range(frames):
        p = 0 if frames == 1 else f / (frames - 1)
        for s in spec["shapes"]:
            st = shape_state_at(s, p)
            a = coverage(s, st, width, height)
            full[KINDS.index(s["kind"]), f] += a
            full[-2, f] += a * math.cos(st[3])
            full[-1, f] += a * math.sin(st[3])
    pooled = full.reshape(len(full), frames // tc, tc, height // sc, sc, width // sc, sc).mean((2, 4, 6))
    if OUTLINE_C:
        pooled = np.concatenate([pooled[:len(KINDS)], outline(full[:len(KINDS)].sum(0), tc, sc), pooled[len(KINDS):]])
    return (pooled * SEM_SCALE).astype(np.float32)


def outline(cover, tc, sc):
    """[frames, H, W] summed coverage -> [OUTLINE_C, frames / tc, H / sc, W / sc]: pooled over OUTLINE_PX pixels and each
    latent cell's frames, the sub-cells of a cell as channels in row-major order"""
    f, h, w = cover.shape
    k = sc // OUTLINE
    sub = cover.reshape(f // tc, tc, h // sc, k, OUTLINE, w // sc, k, OUTLINE).mean((1, 4, 7))  # [T, h, ky, w, kx]
    return sub.transpose(2, 4, 0, 1, 3).reshape(k * k, f // tc, h // sc, w // sc)


def as_circles(spec):
    """The same clip with every shape drawn as a circle of its size, colour, place and motion."""
    return dict(spec, shapes=[dict(s, kind="circle") for s in spec["shapes"]])


def circle_frames(index, frames, width, height):
    return render_clip(as_circles(sample_clip(index)), width, height, frames)

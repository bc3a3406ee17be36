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
"""
import math

import numpy as np

from dataset_py import DIGITS, SHAPE_KINDS, coverage, render_clip, sample_clip, shape_state_at

KINDS = SHAPE_KINDS + DIGITS
SEM_C = len(KINDS) + 2
# a shape's cells read 3 (the autoencoder's channels have unit variance): loud enough that the noise of t ~0.7
# leaves the kind readable, which is where stage 5's outlines are already lost
SEM_SCALE = 3.0


def semantic_maps(spec, frames, tc, width, height, sc=8):
    """float32 [SEM_C, frames / tc, height / sc, width / sc] for a clip spec (dataset_py.sample_clip's)."""
    full = np.zeros((SEM_C, frames, height, width))
    for f in range(frames):
        p = 0 if frames == 1 else f / (frames - 1)
        for s in spec["shapes"]:
            st = shape_state_at(s, p)
            a = coverage(s, st, width, height)
            full[KINDS.index(s["kind"]), f] += a
            full[-2, f] += a * math.cos(st[3])
            full[-1, f] += a * math.sin(st[3])
    pooled = full.reshape(SEM_C, frames // tc, tc, height // sc, sc, width // sc, sc).mean((2, 4, 6))
    return (pooled * SEM_SCALE).astype(np.float32)


def as_circles(spec):
    """The same clip with every shape drawn as a circle of its size, colour, place and motion."""
    return dict(spec, shapes=[dict(s, kind="circle") for s in spec["shapes"]])


def circle_frames(index, frames, width, height):
    return render_clip(as_circles(sample_clip(index)), width, height, frames)

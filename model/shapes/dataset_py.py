"""model/shapes/dataset.ts in Python: the same clips, byte for byte, where no Node.js runs.

A GPU machine lent for a training stage has PyTorch but no node, and the working tree that travels there has no
room for node's binary; this port renders the clips there. dataset.ts stays the source of truth (the eval's
reference clips come from it); `check_dataset_port.py` compares the two on thousands of indexes, and
data.stream_clips takes this port only when KINEMA_SHAPES_CLIPS=python says so. Every float is the same IEEE
double the TypeScript computes, in the same order (numpy's element-wise ops round each operation as V8 does),
and the PRNG's 32-bit integer steps are done on unsigned ints masked to 32 bits.
"""
import math
import os
import re

import numpy as np


def glyphs_of(path):
    """font.ts's 5x7 digit glyphs, read from it (one table for both renderers): {"0": [".###.", ...], ...}"""
    table = re.search(r"GLYPHS[^{]*\{(.*?)\n\};", open(path).read(), re.S).group(1)
    glyphs = {d: re.findall(r'"([.#]{5})"', rows) for d, rows in re.findall(r'"(\d)": \[([^\]]*)\]', table)}
    if sorted(glyphs) != [str(d) for d in range(10)] or any(len(g) != 7 for g in glyphs.values()):
        raise RuntimeError(f"{path}: no 10 glyphs of 7 rows in GLYPHS")
    return glyphs


M32 = 0xFFFFFFFF
PALETTE = {"red": (220, 40, 40), "orange": (245, 140, 20), "yellow": (245, 215, 40), "green": (40, 170, 70),
           "blue": (40, 90, 225), "purple": (145, 60, 205), "white": (245, 245, 245), "black": (20, 20, 20)}
COLOR_NAMES = list(PALETTE)
SHAPE_KINDS = ["circle", "square", "triangle"]
DIGITS = [str(d) for d in range(10)]
MOTIONS = ["moving left", "moving right", "moving up", "moving down", "bouncing", "growing", "rotating"]
TRAVEL_X, TRAVEL_Y, BOUNCE = 0.4, 0.4, 0.3
SAMPLES = 9
ASPECT = 112 / 64
SUB = (0.25, 0.75)
SQRT3 = math.sqrt(3)
GLYPHS = glyphs_of(os.path.join(os.path.dirname(os.path.abspath(__file__)), "font.ts"))
ROWS, COLS = 7, 5
CELL = 2 / ROWS
GLYPH_BITS = {d: np.array([[c == "#" for c in row] for row in g]) for d, g in GLYPHS.items()}


def imul(a, b):
    return (a * b) & M32  # Math.imul's low 32 bits, kept unsigned (every use below reads bits, not the sign)


def rng_for(index, stream=0):
    """dataset.ts's rngFor: mulberry32 seeded through splitmix32 of the clip index."""
    z = imul(index & M32, 0x9E3779B9) ^ imul((index // 2 ** 32) & M32, 0x85EBCA6B) ^ imul(stream + 1, 0xC2B2AE35)
    z = imul(z ^ (z >> 16), 0x85EBCA6B)
    z = imul(z ^ (z >> 13), 0xC2B2AE35)
    state = [z ^ (z >> 16)]

    def rand():
        a = (state[0] + 0x6D2B79F5) & M32
        state[0] = a
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        return (t ^ (t >> 14)) / 4294967296

    return rand


def pick(rand, items):
    return items[math.floor(rand() * len(items))]


def shape_state_at(s, p):
    x, y, scale, angle = s["x"], s["y"], 1, 0
    m = s["motion"]
    if m == "moving left":
        x -= TRAVEL_X * p
    elif m == "moving right":
        x += TRAVEL_X * p
    elif m == "moving up":
        y -= TRAVEL_Y * p
    elif m == "moving down":
        y += TRAVEL_Y * p
    elif m == "bouncing":
        y -= BOUNCE * abs(math.sin(2 * math.pi * p))
    elif m == "growing":
        scale = 0.6 + 0.8 * p
    elif m == "rotating":
        angle = math.pi * p
    return x, y, scale, angle


def sample_shapes(rand, background, count):
    colors = [c for c in COLOR_NAMES if c != background]
    shapes = []
    for _ in range(count):
        kind = pick(rand, SHAPE_KINDS) if rand() < 0.8 else pick(rand, DIGITS)
        motions = [m for m in MOTIONS if m != "rotating"] if kind == "circle" else MOTIONS
        color = pick(rand, [c for c in colors if not any(s["color"] == c for s in shapes)])
        motion = pick(rand, motions)
        x = 0.12 + 0.76 * rand()
        y = 0.18 + 0.64 * rand()
        size = (0.17 if count == 1 else 0.14) + 0.05 * rand()
        shapes.append(dict(kind=kind, color=color, motion=motion, x=x, y=y, size=size))
    return shapes


def fits(shapes):
    for k in range(SAMPLES):
        p = k / (SAMPLES - 1)
        states = [(shape_state_at(s, p), s["size"] * (1.4 if s["motion"] == "growing" else 1)) for s in shapes]
        for (x, y, _, _), r in states:
            rx = (r * 1.15) / ASPECT
            if x - rx < 0.02 or x + rx > 0.98 or y - r * 1.15 < 0.03 or y + r * 1.15 > 0.97:
                return False
        for i in range(len(states)):
            for j in range(i + 1, len(states)):
                (ax, ay, _, _), ar = states[i]
                (bx, by, _, _), br = states[j]
                if math.hypot((ax - bx) * ASPECT, ay - by) < (ar + br) * 1.25 + 0.04:
                    return False
    return True


def noun(kind):
    return f"digit {kind}" if kind in DIGITS else kind


def article(word):
    return "an" if word[0] in "aeiou" else "a"


SINGLE = [lambda s, bg: f"{s} on {article(bg)} {bg} background",
          lambda s, bg: f"{s} against {article(bg)} {bg} background",
          lambda s, bg: f"{s}, {bg} background"]


def caption_for(shapes, background, rand):
    parts = [f"{article(s['color'])} {s['color']} {noun(s['kind'])} {s['motion']}" for s in shapes]
    subject = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return pick(rand, SINGLE)(subject, background)


def sample_clip(index):
    """dataset.ts's sampleClip: {index, background, shapes, caption}."""
    rand = rng_for(index)
    background = pick(rand, COLOR_NAMES)
    wanted = 1 if rand() < 0.55 else 2 if rand() < 0.65 else 3
    for count in range(wanted, 0, -1):
        for _ in range(60):
            shapes = sample_shapes(rand, background, count)
            if fits(shapes):
                return dict(index=index, background=background, shapes=shapes,
                            caption=caption_for(shapes, background, rand))
    raise RuntimeError(f"clip {index}: no layout fits")


def inside(kind, u, v):
    """Element-wise over float64 arrays u, v (radii from the centre, v down)."""
    if kind == "circle":
        return u * u + v * v <= 1
    if kind == "square":
        return (np.abs(u) <= 0.86) & (np.abs(v) <= 0.86)
    if kind == "triangle":
        r = 1.15
        return (v <= r / 2) & (SQRT3 * u - v <= r) & (-SQRT3 * u - v <= r)
    col = np.floor((u + (COLS * CELL) / 2) / CELL)
    row = np.floor((v + 1) / CELL)
    ok = (row >= 0) & (row < ROWS) & (col >= 0) & (col < COLS)
    bits = GLYPH_BITS[kind]
    return ok & bits[np.clip(row, 0, ROWS - 1).astype(int), np.clip(col, 0, COLS - 1).astype(int)]


def coverage(shape, st, width, height):
    """float64 [H, W]: the share of each pixel's 2x2 subsamples inside the shape (dataset.ts's coverage)."""
    cover = np.zeros((height, width))
    x, y, scale, angle = st
    r = shape["size"] * scale * height
    cx, cy = x * width, y * height
    cos, sin = math.cos(angle), math.sin(angle)
    reach = r * 1.5
    x0, x1 = max(0, math.floor(cx - reach)), min(width - 1, math.ceil(cx + reach))
    y0, y1 = max(0, math.floor(cy - reach)), min(height - 1, math.ceil(cy + reach))
    if x1 < x0 or y1 < y0:
        return cover
    ys, xs = np.meshgrid(np.arange(y0, y1 + 1, dtype=np.float64), np.arange(x0, x1 + 1, dtype=np.float64), indexing="ij")
    hits = np.zeros(ys.shape)
    for sy in SUB:
        for sx in SUB:
            dx, dy = xs + sx - cx, ys + sy - cy
            u, v = (dx * cos + dy * sin) / r, (-dx * sin + dy * cos) / r
            hits += inside(shape["kind"], u, v)
    cover[y0:y1 + 1, x0:x1 + 1] = hits / 4
    return cover


def js_round(x):
    """Math.round: the nearest integer, halves up (numpy's round takes halves to even)."""
    f = np.floor(x)
    return f + (x - f >= 0.5)


def render_clip(spec, width, height, frames):
    """uint8 [F, H, W, 3], dataset.ts's renderClip (each shape blended over the frame in turn, rounded each time)."""
    out = np.empty((frames, height, width, 3), np.uint8)
    for f in range(frames):
        img = np.empty((height, width, 3), np.float64)
        img[:] = PALETTE[spec["background"]]
        p = 0 if frames == 1 else f / (frames - 1)
        for s in spec["shapes"]:
            a = coverage(s, shape_state_at(s, p), width, height)[..., None]
            blended = js_round(img * (1 - a) + np.array(PALETTE[s["color"]], np.float64) * a)
            img = np.where(a == 0, img, blended)
        out[f] = img.astype(np.uint8)
    return out


def clip_at(index, frames, width, height):
    spec = sample_clip(index)
    return index, spec["caption"], render_clip(spec, width, height, frames[index % len(frames)])


def stream_clips(start, count, frames, width, height, procs=1):
    """Yields (index, caption, uint8 [F, H, W, 3]) as model/shapes/stream.ts streams them, in index order; procs > 1
    renders in that many processes (a clip depends on its index alone, so the stream is the same)."""
    if procs <= 1:
        for index in range(start, start + count):
            yield clip_at(index, frames, width, height)
        return
    import functools
    import multiprocessing
    # spawned, not forked: the caller may hold a CUDA context and threads that a fork would copy half-way
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        yield from pool.imap(functools.partial(clip_at, frames=tuple(frames), width=width, height=height),
                             range(start, start + count), chunksize=16)

"""Defaults of the DiT recipe that more than one file needs: the flags (train_flags.py), the network (nets.py), the
training loop (train_dit.py), the export (export.py: its sampler check and model.json), reading an export back
(from_onnx.py) and the card (card.py, which reads a run's recipe and prints only what differs). Torch-free, so card.py
can import it."""

# The flow-euler time grid's shift, t = s u / (1 + (s - 1) u): 3 puts more steps at high noise. It is the
# sampler's (export.py writes it to model.json as sampler.flowShift, the engine's grid reads it) and the
# default law of the training t (--flow-shift).
FLOW_SHIFT = 3.0


def shifted_time(u, shift=FLOW_SHIFT):
    """t = s u / (1 + (s - 1) u) of a uniform-grid or sampled u (floats, numpy or torch): the training t's law
    (train_dit.sample_t) and the sampler's grid (export.flow_sample; the engine's sampler.ts timeGrid in TypeScript)."""
    return shift * u / (1 + (shift - 1) * u)

# The DiT's blocks (--dit-depth): 1.x's and the chain's. A recipe or manifest from before the flag records none: it had these.
DIT_DEPTH = 6
# The DiT's patch (--dit-patch): 2x2 latents a token, 1.x's and the chain's; a recipe from before the flag had it.
DIT_PATCH = 2
# The DiT's output head (--dit-head): the per-token linear one, 1.x's and the chain's; a recipe from before the flag had it.
DIT_HEAD = "linear"

# --t-range: the whole time range, where the training t keeps the shifted logit-normal law (an expert's is uniform).
FULL_T_RANGE = (0.0, 1.0)

# --fg-tau: a latent is foreground more than this many latent stds from its frame's background.
FG_TAU = 1.0

# --rollout: a rolled-out row's input is one DDIM step down from the model's own prediction at t + gap, the gap
# uniform in ROLLOUT_GAP; rows below ROLLOUT_MIN_T stay plain (the corrected target's (1 - t) / t factor grows
# large there, and the kinds are decided above it).
ROLLOUT_GAP = (0.05, 0.4)
ROLLOUT_MIN_T = 0.2

"""train.py's command line: every flag, its checks against the others, and --quick's sizes."""
import argparse

from nets import DIT_HEADS
from recipe_defaults import DIT_DEPTH, DIT_HEAD, DIT_PATCH, FG_TAU, FLOW_SHIFT, ROLLOUT_MIN_T
from train_common import set_t_probs


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="models/kinema-shapes")
    p.add_argument("--work", default="/tmp/kinema-shapes-work")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--phase", default="all", choices=["all", "vae", "dit", "decoder", "export"])
    p.add_argument("--seed", type=int, default=None, help="default 1234; --phase export: the work folder's recorded "
                   "seed (its DiT phase's), which also seeds a stopped phase's validation")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--vae-clips", type=int, default=1500)
    p.add_argument("--vae-steps", type=int, default=1400)
    p.add_argument("--vae-batch", type=int, default=8)
    p.add_argument("--dit-clips", type=int, default=6000)
    p.add_argument("--dit-steps", type=int, default=1200)
    p.add_argument("--dit-batch", type=int, default=32)
    p.add_argument("--vae-minutes", type=float, default=0, help="if > 0: cap VAE steps to fit, from the speed of the first 20")
    p.add_argument("--vae-tc", type=int, default=None, help="--phase vae/all: frames per latent frame (default and 1.3.0: 4; "
                   "--phase dit/export take the work folder's vae.pt's)")
    p.add_argument("--latent-c", type=int, default=None, help="--phase vae/all: latent channels (default and 1.3.0: 8; likewise)")
    p.add_argument("--dit-minutes", type=float, default=0, help="if > 0: cap DiT steps likewise (the card records the steps)")
    p.add_argument("--dec-clips", type=int, default=3000)
    p.add_argument("--dec-steps", type=int, default=2000)
    p.add_argument("--dec-minutes", type=float, default=0)
    p.add_argument("--guidance", type=float, default=None, help="skip the guidance check and use this")
    p.add_argument("--guidance-sweep", default=None,
                   help="export: take the guidance from model/shapes/guidance.ts's output (judged on held-out clips)")
    p.add_argument("--pixel-step", action="store_true", help="export: also time one DiT step over pixels (slow; stepcost.py does it alone)")
    p.add_argument("--resume", action="store_true", help="--phase dit: continue from the work folder's dit.pt (exactly, with "
                   "the same --world: its periodic checkpoint holds AdamW's moments and every process's generators); --phase vae: "
                   "continue exactly from its vae.pt.partial (weights, Adam's moments, the batch generator's state)")
    p.add_argument("--noise-shared", type=float, default=0.0,
                   help="share of the DiT's noise variance common to all latent frames (0: independent frames)")
    p.add_argument("--t-probs", default="", help="latent frames per DiT step, e.g. 2:0.4,4:0.4,6:0.2 (default T_PROBS)")
    p.add_argument("--world", type=int, default=1, help="--phase dit: data-parallel processes, one thread each")
    p.add_argument("--init-from", default=None,
                   help="--phase all or dit: start from an exported model folder's weights (from_onnx.py) instead of the VAE phase")
    p.add_argument("--dit-warm-from", default=None,
                   help="--phase all or dit: start the text encoder and DiT from an exported model folder of another latent shape: "
                   "every tensor whose name and shape match is copied, the rest (the DiT's patch embed and output) keep their fresh init")
    p.add_argument("--dit-warm-weights", default=None,
                   help="with --dit-warm-from: that folder's weights as from_onnx.save_torch_weights wrote them (a machine whose "
                   "torch exports ONNX otherwise, a lent GPU's, cannot read them back from the ONNX files; model/shapes/gpu_stage.py)")
    p.add_argument("--dit-ckpt-every", type=int, default=50,
                   help="--phase dit: steps between periodic checkpoints (a stopped run resumes or exports from the last; "
                   "a GPU's steps are fast enough that saving every 50 would cost a quarter of its time)")
    p.add_argument("--amp", default="none", choices=["none", "bf16"],
                   help="--phase dit: the forward and backward passes in bfloat16 autocast (weights, AdamW and the moving "
                   "averages stay float32; a GPU's speed, model/shapes/gpu_stage.py)")
    p.add_argument("--dit-positions", default="frame", choices=["frame", "progress"],
                   help="the DiT's temporal positions: latent frame index (1.x) or where in the clip a latent frame lies "
                   "(nets.DiT.temporal_positions; clips of any length then sit inside the trained range)")
    p.add_argument("--dit-depth", type=int, default=DIT_DEPTH,
                   help="the DiT's blocks; with --dit-warm-from a deeper DiT than the snapshot's copies its blocks into the first ones "
                   "and appends fresh adaLN-Zero blocks, whose zero gates make them the identity at first (the start is the snapshot)")
    p.add_argument("--dit-patch", type=int, default=DIT_PATCH, choices=[1, 2],
                   help="the DiT's spatial patch over the 8x14 latent: 2 (2x2, 4x7 tokens per latent frame, 1.x and 2.0's stages) "
                   "or 1 (8x14 tokens: a shape's outline, 2-3 latents across, is no longer inside one token; ~4x the tokens, "
                   "a GPU's work). With --dit-warm-from a 2x2 snapshot, the 1x1 DiT starts as the snapshot's function on "
                   "latents constant over each 2x2 cell (from_onnx.patch_1x1), a poor start on real ones (TRAINING-2.0.md)")
    p.add_argument("--dit-head", default=DIT_HEAD, choices=DIT_HEADS,
                   help="the DiT's output: linear per token (1.x and 2.0's stages to 5), or conv: three 3x3x3 convolutions over the "
                   "latent grid after it (nets.RefineHead, 1.0-1.2x a training step: trainstep_cost.py), so a shape's outline is drawn across token borders "
                   "and adjacent latent frames; its last convolution starts at zero, so with --dit-warm-from the start is the snapshot's function")
    p.add_argument("--device", default="cpu",
                   help="--phase dit: where the DiT trains and the clips are encoded (cpu, cuda); checkpoints are saved "
                   "as CPU tensors, so an export or a resume runs anywhere (model/shapes/gpu_stage.py)")
    p.add_argument("--version", default=None, help="export: model.json's version and the card's title (default: card.MODEL_VERSION)")
    p.add_argument("--min-generated-frames", type=int, default=0,
                   help="export: model.json's minGeneratedFrames (the engine generates shorter clips at this many frames and "
                   "keeps the nearest; 0: absent, clips at their own frames)")
    p.add_argument("--flow-shift", type=float, default=FLOW_SHIFT,
                   help="the DiT's training t = s u / (1 + (s - 1) u), u = sigmoid(N(0, 1)): 3 (1.x, the sampler's shift) puts "
                   "most weight at high noise (median t 0.75); 1 is the plain logit-normal (median 0.5), more at mid noise "
                   "(tried in stage 6 for the kinds: motion fell, kinds did not rise; model/shapes/TRAINING-2.0.md)")
    p.add_argument("--fg-weight", type=float, default=0.0,
                   help="the DiT's loss counts foreground latents (a shape's, not the plain background's) 1 + this many times "
                   "(0: plain MSE, 1.x; train_dit.foreground_weights); validation stays plain MSE, comparable across stages "
                   "(tried at 3 in stage 6b for the kinds: 500 steps from stage 5 lost colour, motion and validation loss; "
                   "model/shapes/TRAINING-2.0.md)")
    p.add_argument("--fg-tau", type=float, default=FG_TAU,
                   help="a latent is foreground where it differs from its frame's background by more than this many latent stds "
                   "(at 1, ~20%% of the training latents: the shapes; the plain background's sit at 0.1-0.3, the frame's edge at 0.4-0.8)")
    p.add_argument("--rollout", type=float, default=0.0,
                   help=f"this share of each DiT batch (rows at t >= {ROLLOUT_MIN_T:g}) trains on the sampler's own states: the "
                   "input is one DDIM step down from the current weights' prediction at a higher t, the target the velocity to "
                   "the true clip (train_dit.rollout_inputs; 0: plain flow matching, 1.x; tried at 0.5 in stage 6f for the "
                   "kinds: 1,000 steps from stage 5 gained none; model/shapes/TRAINING-2.0.md)")
    p.add_argument("--t-range", default="0:1",
                   help="LO:HI: the DiT trains (and validates) only at t in [LO, HI], drawn uniformly there (--flow-shift "
                   "applies only to the full 0:1), as one of a pair of expert DiTs a sampler switches between at a time "
                   "(eDiff-I's, Wan 2.2's; the engine has no such switch: stages 6j and 6k were looked at through a local "
                   "patch, model/shapes/TRAINING-2.0.md). 0.5:1 is where a shape's kind is decided (model/shapes/probe.ts)")
    p.add_argument("--freeze-text", action="store_true",
                   help="with --dit-warm-from or --init-from: the text encoder stays the snapshot's (no gradient, no averaging), so an expert "
                   "trained this way shares its text encoder with the snapshot it serves beside")
    p.add_argument("--dit-decay", type=int, default=0,
                   help="the DiT's learning rate falls linearly to 0 over its last N steps (0: constant after warmup)")
    p.add_argument("--ema-continue", action="store_true",
                   help="with --dit-warm-from or --init-from: the moving averages go on from the snapshot at their full decay "
                   "(0.998, ~500 steps' worth) from the first step. Without it they warm up as a fresh run's must (decay (1 + s) / "
                   "(10 + s): 0.1 at step 0, ~110 steps' worth at step 1,000, ~220 at 2,000, the cap only at 4,490), so a stage's "
                   "averages drop the snapshot's at once and average a short window all stage long (model/shapes/TRAINING-2.0.md, "
                   "stage 6e)")
    a = p.parse_args()
    a.ae_flags = dict(tc=a.vae_tc, latent_c=a.latent_c)  # as given (None: not given), checked against a loaded vae.pt
    a.vae_tc = 4 if a.vae_tc is None else a.vae_tc
    a.latent_c = 8 if a.latent_c is None else a.latent_c
    a.t_probs_flag = a.t_probs
    set_t_probs(a, a.vae_tc)
    if 4 % a.vae_tc or a.vae_tc < 1:
        p.error("--vae-tc divides 4 (1, 2 or 4): the clips' frame counts and the engine's durations are multiples of 4")
    if a.init_from and a.phase not in ("all", "dit"):
        p.error("--init-from starts a DiT phase: --phase all (DiT, then export) or dit")
    if a.dit_warm_from and (a.phase not in ("all", "dit") or a.init_from):
        p.error("--dit-warm-from starts a DiT phase (--phase all or dit) from fresh weights; --init-from restarts the same shape")
    if a.dit_decay > 0 and a.dit_minutes > 0:
        p.error("--dit-decay needs a known step count: a run cut by --dit-minutes could not be rerun with --dit-steps")
    if a.dit_ckpt_every < 25 or a.dit_ckpt_every % 25:
        p.error("--dit-ckpt-every: a multiple of 25 (the loss curve's points; a checkpoint holds none half-way)")
    if a.dit_warm_weights and not a.dit_warm_from:
        p.error("--dit-warm-weights holds --dit-warm-from's folder's weights: name that folder too")
    if a.ema_continue and not (a.dit_warm_from or a.init_from):
        p.error("--ema-continue goes on from a snapshot's averages: it needs --dit-warm-from or --init-from")
    try:
        a.t_range = tuple(float(x) for x in a.t_range.split(":"))
    except ValueError:
        p.error(f"--t-range: LO:HI, two numbers, not {a.t_range!r}")
    if len(a.t_range) != 2 or not 0 <= a.t_range[0] < a.t_range[1] <= 1:
        p.error("--t-range: LO:HI with 0 <= LO < HI <= 1")
    if a.freeze_text and not (a.dit_warm_from or a.init_from):
        p.error("--freeze-text keeps a snapshot's text encoder: it needs --dit-warm-from or --init-from")
    if not 0 <= a.rollout <= 1:
        p.error("--rollout is a share of the batch, between 0 and 1")
    if a.world > 1 and a.device != "cpu":
        p.error("--world N is CPU data parallelism (gloo); on a GPU train with --world 1")
    if a.world > 1 and a.dit_minutes > 0:
        p.error("--dit-minutes needs --world 1: the processes would have to agree when to stop")
    if a.quick:
        a.vae_clips, a.vae_steps, a.dit_clips, a.dit_steps, a.dit_batch = 60, 40, 60, 10, 8
        a.dec_clips, a.dec_steps = 60, 20
        a.vae_minutes = a.dit_minutes = 0
    return a

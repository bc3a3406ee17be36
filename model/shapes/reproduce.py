"""Is a rerun of the training command within the card's reported metrics?

  /usr/bin/python3 model/shapes/reproduce.py --card models/kinema-shapes --run /tmp/repro/model [--record]
  ... --prefix: the rerun ran the same command with a smaller --dit-steps (checks bit identity up to there)

Compares the rerun's training.json with the card's, metric by metric, against the tolerances below; prints a
table and exits 1 when any metric is outside. --record stores the comparison in the card's training.json
(rendered in TRAINING.md by card.py) so the card says what was checked, when, and how it came out.
"""
import argparse
import json
import os
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# (summary key, label, tolerance, kind): "abs" = |rerun - card| <= tol, "rel" = |rerun - card| <= tol * card.
# Final losses are means over the last 25 steps' batches, so they get more room than the fixed held-out figures.
TOLERANCES = [
    ("vae_heldout_psnr_db_before_decoder_finetune", "VAE held-out PSNR, dB", 0.5, "abs"),
    ("vae_heldout_psnr_db", "held-out PSNR after the decoder fine-tune, dB", 0.5, "abs"),
    ("dit_val_loss_ema", "DiT validation loss (EMA)", 0.05, "rel"),
    ("dit_val_loss_raw", "DiT validation loss (raw)", 0.05, "rel"),
    ("vae_final_loss", "VAE final loss", 0.10, "rel"),
    ("decoder_final_loss", "decoder final loss", 0.10, "rel"),
    ("dit_final_loss", "DiT final loss", 0.10, "rel"),
]
# --prefix (the rerun is the same command with fewer DiT steps): only what a prefix fixes is compared.
PREFIX_KEYS = {"vae_heldout_psnr_db_before_decoder_finetune", "vae_heldout_psnr_db", "vae_final_loss", "decoder_final_loss"}
GUIDANCE_BG_TOLERANCE_CLIPS = 2  # background colour right at the card's guidance: within 2 of the check's clips


def best_l1(st):
    return min((r["palette_hist_l1"] for r in st.get("guidance_check", {}).get("table", [])), default=None)


def curve_row(phase, card_curve, run_curve, gate=False):
    """How far the two loss curves agree bit for bit (same seed, threads and data: they should, up to any resume).
    Gated (all common points identical) only for --prefix, where identity is the whole claim."""
    a, b = {c[0]: c[1] for c in card_curve}, {c[0]: c[1] for c in run_curve}
    common = sorted(set(a) & set(b))
    first_diff = next((s for s in common if a[s] != b[s]), None)
    same = sum(a[s] == b[s] for s in common)
    return dict(metric=f"{phase} loss curve: logged points identical", card=f"{same} of {len(common)}",
                rerun="all" if first_diff is None else f"first difference at step {first_diff}",
                tolerance="identical" if gate else "reported, not gated", within=(first_diff is None) if gate else None)


def tolerance_rows(cs, rs, keys=None):
    """One row per TOLERANCES metric (only `keys` when given); a figure missing on either side is outside."""
    rows = []
    for key, label, tol, kind in TOLERANCES:
        if keys is not None and key not in keys:
            continue
        a, b = cs.get(key), rs.get(key)
        if a is None or b is None:
            rows.append(dict(metric=label, card=a, rerun=b, tolerance=None, within=False))
            continue
        allowed = tol * abs(a) if kind == "rel" else tol
        rows.append(dict(metric=label, card=round(a, 4), rerun=round(b, 4), tolerance=f"±{tol:.0%}" if kind == "rel" else f"±{tol}",
                         within=abs(b - a) <= allowed))
    return rows


def compare_prefix(card, run):
    """The rerun stopped its DiT earlier (a prefix of the same command: the learning rate is constant after
    warmup): the VAE and decoder figures must match and every common loss-curve point must be identical."""
    rows = tolerance_rows(card["summary"], run["summary"], PREFIX_KEYS)
    for phase in ("vae", "decoder", "dit"):
        rows.append(curve_row(phase, card[phase].get("curve", []), run[phase].get("curve", []), gate=True))
    steps = [run[k].get("steps") for k in ("vae", "dit", "decoder")]
    rows.append(dict(metric="steps (VAE, DiT, decoder)", card=[card[k].get("steps") for k in ("vae", "dit", "decoder")], rerun=steps,
                     tolerance="VAE and decoder equal, DiT a prefix",
                     within=all(card[k].get("steps") == run[k].get("steps") for k in ("vae", "decoder")) and steps[1] <= card["dit"].get("steps", 0)))
    return rows


def compare(card, run):
    cs, rs = card["summary"], run["summary"]
    rows = tolerance_rows(cs, rs)
    g = cs.get("guidance")
    clips = card.get("guidance_check", {}).get("clips", 16)
    bg = {name: next((round(r["background_correct"] * clips) for r in st.get("guidance_check", {}).get("table", [])
                      if r["guidance"] == g), None) for name, st in (("card", card), ("run", run))}
    rows.append(dict(metric=f"guidance check: background colour right at guidance {g}, of {clips} clips", card=bg["card"],
                     rerun=bg["run"], tolerance=f"±{GUIDANCE_BG_TOLERANCE_CLIPS} clips",
                     within=None not in bg.values() and abs(bg["run"] - bg["card"]) <= GUIDANCE_BG_TOLERANCE_CLIPS))
    # The check's choice is reported, not gated: 16 clips decide it, and close scales trade places between runs.
    rows.append(dict(metric="guidance check: chosen scale (lowest palette-histogram L1)", card=f"{g} ({best_l1(card)})",
                     rerun=f"{rs.get('guidance')} ({best_l1(run)})", tolerance="reported, not gated", within=None))
    for phase in ("vae", "decoder", "dit"):
        rows.append(curve_row(phase, card[phase].get("curve", []), run[phase].get("curve", [])))
    same_steps = all(card[k].get("steps") == run[k].get("steps") for k in ("vae", "dit", "decoder"))
    rows.append(dict(metric="steps (VAE, DiT, decoder)", card=[card[k].get("steps") for k in ("vae", "dit", "decoder")],
                     rerun=[run[k].get("steps") for k in ("vae", "dit", "decoder")], tolerance="equal", within=same_steps))
    return rows


VERDICT = {True: "ok  ", False: "FAIL", None: "info"}
SHIPPED_REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval", "reports", "shipped", "report.json")


def eval_row(report_dir):
    """Level 2 at the production step budget (30): the eval's own gate (alignment drop <= 0.3 vs baseline) decides."""
    def at30(rep):
        run = next(r for r in rep["runs"] if r["label"].endswith("@30") and r["label"].startswith("kinema-shapes"))
        a = run["alignment"]
        return f"score {a['score']:.2f}, accuracy {a['accuracy']:.0%}, Fréchet {run['frechet']:.2f}"
    shipped, rerun = json.load(open(SHIPPED_REPORT)), json.load(open(os.path.join(report_dir, "report.json")))
    return dict(metric="eval level 2 at 30 steps (judge)", card=at30(shipped),
                rerun=at30(rerun), tolerance="the eval's baseline gate (score drop <= 0.3)", within=bool(rerun["baseline"]["passed"]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--card", default="models/kinema-shapes")
    p.add_argument("--run", required=True, help="the rerun's --out folder")
    p.add_argument("--how", default="", help="--record: how the rerun was run (commands, threads, machine)")
    p.add_argument("--eval", default=None, help="the rerun's level-2 report folder: its alignment at 30 steps is set beside"
                   " the shipped model's committed report (eval/reports/shipped) and its baseline verdict recorded")
    p.add_argument("--record", action="store_true")
    p.add_argument("--prefix", action="store_true", help="the rerun is the same command with fewer DiT steps (--dit-steps"
                   " smaller): compare the VAE and decoder figures and the common loss-curve points only")
    a = p.parse_args()
    if a.prefix and a.eval:
        p.error("--eval compares finished models; a --prefix rerun's model is not this card's")
    card = json.load(open(os.path.join(a.card, "training.json")))
    if a.prefix and (card.get("dit_recipe") or {}).get("decay"):
        p.error("this card's DiT learning rate decays to its last step: a shorter --dit-steps is a different schedule,"
                " not a prefix (stop a rerun of the same command instead and compare its logged losses)")
    run = json.load(open(os.path.join(a.run, "training.json")))
    rows = compare_prefix(card, run) if a.prefix else compare(card, run)
    for r in rows:
        print(f"{VERDICT[r['within']]} {r['metric']}: card {r['card']}, rerun {r['rerun']} ({r['tolerance']})")
    if a.eval:
        rows.append(eval_row(a.eval))
        print(f"{VERDICT[rows[-1]['within']]} {rows[-1]['metric']}: card {rows[-1]['card']}, rerun {rows[-1]['rerun']}")
    ok = all(r["within"] is not False for r in rows)
    print("rerun is within the card's metrics" if ok else "rerun is OUTSIDE the card's metrics")
    if a.record:
        card["reproduction"] = dict(date=time.strftime("%Y-%m-%d"), how=a.how, rows=rows, within=ok, prefix=a.prefix,
                                    rerun_wall_s=run["summary"].get("wall_s"), rerun_threads=run.get("threads"))
        from card import write_card
        write_card(SimpleNamespace(out=a.card), card)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

// NSFW classifier: nsfwjs's MobileNetV2Mid (bundled in the npm package as base64 shards, ~5.7 MB; no
// network) on the tfjs WASM backend. It outputs softmax probabilities over five classes; a frame is
// "sexual" when any of Porn, Hentai or Sexy reaches its threshold. Drawing and Neutral are scored for
// the audit record but never flag.
//
// Know its blind spot: on face-api's six demo photos (clothed adults, studio light) letterboxed into
// 854x480 it answers Drawing 0.84-0.98; squashed straight to 224x224, two of the three tried read
// Drawing ~0.8. tfjs's CPU backend gives the same numbers, so this is the model, not WASM. A photoreal
// explicit frame that it calls "Drawing" passes. (The package's MobileNetV2 and InceptionV3 disagree
// with it and with each other on those photos: InceptionV3 says Porn 0.66-0.98 for two of the three.)
import type { NSFWJS } from "nsfwjs/core";
import { once, type ClassifierResult, type Frame, type FrameClassifier } from "./port.js";
import { frameTensor, loadTf } from "./tf.js";

/** The model's output order (nsfwjs's NSFW_CLASSES). */
export const NSFW_CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"] as const;
export type NsfwClass = (typeof NSFW_CLASSES)[number];
export type SexualClass = "Porn" | "Hentai" | "Sexy";

/**
 * Defaults: Sexy is the suggestive-but-not-explicit class, so it needs more confidence before it
 * blocks a clip. A threshold above 1 disables a class; 0 flags every frame.
 */
export const DEFAULT_NSFW_THRESHOLDS: Readonly<Record<SexualClass, number>> = { Porn: 0.7, Hentai: 0.7, Sexy: 0.9 };

const INPUT_SIZE = 224;

export interface NsfwOptions {
  /** Per-class probability at or above which the frame is flagged; missing classes keep the default. */
  thresholds?: Partial<Record<SexualClass, number>>;
  /**
   * Read on every frame: the thresholds are multiplied by it (the kill switch that tightens the
   * post-filter, src/safety/switches; 1 leaves them as they are, 0.5 blocks at half the score).
   */
  factor?: () => number;
}

/** The model, loaded once per process. Uses nsfwjs's bundled shards directly (see loadBundled). */
export const loadNsfwModel = once(async (): Promise<NSFWJS> => {
  await loadTf();
  const { NSFWJS } = await import("nsfwjs/core");
  const { MobileNetV2MidModel } = await import("nsfwjs/models/mobilenet_v2_mid");
  // Our own IOHandler instead of nsfwjs's load("MobileNetV2Mid"): same bundled files, but without the
  // console.info banner it prints on every load (it would land in `kinema scan` output).
  const json = (await MobileNetV2MidModel.modelJson()).default;
  const shards = await Promise.all(MobileNetV2MidModel.weightBundles.map(async (bundle) => (await bundle()).default));
  const byName = new Map(shards.map((base64, i) => [`group1-shard${i + 1}of${shards.length}`, Buffer.from(base64, "base64")]));
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const buffers = json.weightsManifest.flatMap((group) => group.paths).map((path) => {
    const data = byName.get(path);
    if (!data) throw new Error(`nsfwjs MobileNetV2Mid: no bundled weight shard for ${path}`);
    return data;
  });
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  const handler = {
    load: async () => ({ modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, weightSpecs, weightData }),
  };
  const model = new NSFWJS(handler, { size: INPUT_SIZE, type: "graph" });
  await model.load(); // also runs one warm-up inference on zeros
  return model;
});

export function resolveThresholds(thresholds: NsfwOptions["thresholds"] = {}): Record<SexualClass, number> {
  const resolved = { ...DEFAULT_NSFW_THRESHOLDS, ...thresholds };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`NSFW threshold for ${name} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  return resolved;
}

/** Probabilities for all five classes, by name; they sum to ~1. */
export async function nsfwScores(frame: Frame): Promise<Record<NsfwClass, number>> {
  const [tf, model] = await Promise.all([loadTf(), loadNsfwModel()]);
  // Resize before nsfwjs normalises: bilinear resizing is linear, so this equals its own resize of the
  // /255 image, and it divides 224x224 values instead of a whole 480p frame. The frame is squashed, not
  // cropped, so content at the edges is still seen.
  const probabilities = tf.tidy(() => {
    const resized = tf.image.resizeBilinear(frameTensor(tf, frame), [INPUT_SIZE, INPUT_SIZE], true);
    return model.infer(resized);
  });
  try {
    const values = await probabilities.data();
    return Object.fromEntries(NSFW_CLASSES.map((name, i) => [name, values[i] ?? Number.NaN])) as Record<NsfwClass, number>;
  } finally {
    probabilities.dispose();
  }
}

export function nsfwClassifier(options: NsfwOptions = {}): FrameClassifier {
  const base = resolveThresholds(options.thresholds);
  return {
    name: "nsfw",
    async load() {
      await loadNsfwModel();
    },
    async classify(frame: Frame): Promise<ClassifierResult> {
      const scores = await nsfwScores(frame);
      const factor = options.factor?.() ?? 1;
      const thresholds = factor === 1 ? base : scaleThresholds(base, factor);
      const triggered = (Object.keys(thresholds) as SexualClass[]).filter((name) => scores[name] >= thresholds[name]);
      const flagged = triggered.length > 0;
      return { scores, flagged, category: flagged ? "sexual" : null, detail: { model: "nsfwjs/MobileNetV2Mid", triggered, thresholds, ...(factor === 1 ? {} : { factor }) } };
    },
  };
}

/** The thresholds times `factor` (a factor outside (0, 1] is a bug upstream: it is refused, not clamped). */
export function scaleThresholds(thresholds: Record<SexualClass, number>, factor: number): Record<SexualClass, number> {
  if (!(Number.isFinite(factor) && factor > 0 && factor <= 1)) throw new RangeError(`threshold factor must be in (0, 1], got ${factor}`);
  return { Porn: thresholds.Porn * factor, Hentai: thresholds.Hentai * factor, Sexy: thresholds.Sexy * factor };
}

/** The frame's intimacy score for the NCII co-occurrence gate: the highest of the sexual classes. */
export function intimacyScore(scores: Readonly<Record<string, number>>): number {
  return Math.max(scores.Porn ?? 0, scores.Hentai ?? 0, scores.Sexy ?? 0);
}

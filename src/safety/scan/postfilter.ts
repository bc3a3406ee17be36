// The post-filter's verdict on a clip's raw frames, shared by the worker's POSTFILTER stage and the
// rolling re-scan (src/safety/rescan), so a clip delivered yesterday is judged by exactly today's rules:
//  1. the every-frame CSAM hash gate (gate.ts): one match blocks, nothing else is looked at;
//  2. the classifiers on the sampled frames (every 5th plus the first and last);
//  3. face presence on those frames (the likeness classifier's own count when it ran its detector, else
//     the tiny detector's screen confirmed by SSD, and SSD alone where the NCII gate could block: facesIn),
//     recorded for the face-hold switch (a sample's `faces` is null where it was not counted);
//  4. the NCII co-occurrence gate: a sampled frame with a face in it and an intimacy score (the highest of
//     NSFW's Porn, Hentai and Sexy) at or above `nciiThreshold` blocks the clip as "ncii". The threshold
//     is well below the plain NSFW block (0.5 against Porn 0.7 / Sexy 0.9): a sexualised frame of an
//     identifiable person is the intimate-imagery abuse the design names, so it needs less certainty.
//     Measured (256x144 frames of face-api's demo photos, clothed adults): sample6 scores Porn 0.53 with
//     4 faces, so the default gate blocks it; the model's blind spot cuts both ways (nsfw.ts).
// The tightening switch's factor multiplies the NCII threshold as it does the NSFW classifier's.
import type { HashBank } from "../banks/bank.js";
import { countFaces, intimacyScore, runClassifiers, type ClassifierResult, type Frame, type FrameClassifier } from "../classifiers/index.js";
import type { RawFramesInput } from "./frames.js";
import { readFrames, sampledFrames } from "./frames.js";
import { runHashGate } from "./gate.js";

export const DEFAULT_NCII_THRESHOLD = 0.5;

export interface ClipScanDeps {
  bank: HashBank;
  classifiers: readonly FrameClassifier[];
  /** intimacy score at or above which a frame with a face blocks (default 0.5) */
  nciiThreshold?: number;
  /** read once per clip: the tightening switch's factor (1: as configured) */
  factor?: () => number;
  /** false: no face detection (clips are then never held and the NCII gate never fires) */
  detectFaces?: boolean;
}

export interface FacePresence {
  /** a face was seen in at least one sampled frame */
  detected: boolean;
  /** the sampled frames counted with a face (after the first, only the NCII gate's candidates are counted) */
  frames: number[];
  /** the most faces in one counted frame */
  max: number;
}

export interface Flag { frame: number; category: string }

export type ClipScan =
  | { verdict: "blocked"; category: string; audit: Record<string, unknown> }
  | { verdict: "passed"; audit: Record<string, unknown>; faces: FacePresence };

/** Judges a clip; `between` runs after each step (the worker's throwIfStopped). */
export async function scanClip(frames: RawFramesInput, deps: ClipScanDeps, between: () => void = () => {}): Promise<ClipScan> {
  const gate = await runHashGate(frames, deps.bank);
  const hashGate = { summary: gate.summary, matches: gate.verdict.matches };
  if (gate.verdict.blocked) return { verdict: "blocked", category: "csam", audit: { hashGate } };
  between();

  const factor = deps.factor?.() ?? 1;
  const ncii = (deps.nciiThreshold ?? DEFAULT_NCII_THRESHOLD) * factor;
  const indices = sampledFrames(frames.count);
  const images = await readFrames(frames, indices);
  const samples: { frame: number; results: Record<string, ClassifierResult>; faces: number | null }[] = [];
  for (let i = 0; i < indices.length; i++) {
    const frame = { rgb: images[i]!, width: frames.width, height: frames.height };
    const results = await runClassifiers(deps.classifiers, frame);
    const seenFace = samples.some((x) => (x.faces ?? 0) > 0);
    const faces = deps.detectFaces === false ? null : await facesIn(frame, results, ncii, seenFace);
    samples.push({ frame: indices[i]!, results, faces });
    between();
  }
  const flagged: Flag[] = samples.flatMap((s) => {
    const nsfw = s.results.nsfw;
    const gated = (s.faces ?? 0) > 0 && nsfw !== undefined && intimacyScore(nsfw.scores) >= ncii;
    const own = Object.values(s.results).filter((r) => r.flagged).map((r) => ({ frame: s.frame, category: r.category ?? "unknown" }));
    // NCII first: a sexual frame of an identifiable person is recorded as the graver of the two.
    return gated ? [{ frame: s.frame, category: "ncii" }, ...own] : own;
  });
  const withFaces = samples.filter((s) => (s.faces ?? 0) > 0);
  const faces: FacePresence = { detected: withFaces.length > 0, frames: withFaces.map((s) => s.frame), max: Math.max(0, ...samples.map((s) => s.faces ?? 0)) };
  const audit = {
    hashGate,
    ...(factor === 1 ? {} : { thresholdFactor: factor }),
    nciiThreshold: ncii,
    samples: samples.map((s) => ({ frame: s.frame, scores: scoresOf(s.results), flagged: flaggedOf(s.results), faces: s.faces })),
  };
  if (flagged.length > 0) return { verdict: "blocked", category: flagged[0]!.category, audit: { ...audit, flagged } };
  return { verdict: "passed", audit: { ...audit, faces }, faces };
}

/**
 * Faces in a sampled frame, or null when the answer cannot change anything: the likeness classifier's
 * count when it ran its detector (it skips it for an empty gallery), else:
 *  - the tiny detector screens the frame (~190 KB of weights, ~40 ms a frame; SSD costs ~200 ms and
 *    ~5 MB, and on a loaded machine 1-2 s a frame, too much to pay on every sampled frame of every clip);
 *  - what it calls a face is confirmed by SSD, whose count is the answer (tiny called a generated grey
 *    circle a face: a false hold without the confirmation);
 *  - a frame it calls empty is asked again with SSD only where the NCII gate could block it (intimacy at
 *    or above the gate), so the gate's recall is SSD's. On face-api's six demo photos at 256x144 and
 *    854x480 the tiny detector found a face in each of the 12 frames, as SSD did (fewer faces per photo).
 * Once the clip has shown a face, presence is settled and only the gate's candidates are counted.
 */
async function facesIn(frame: Frame, results: Record<string, ClassifierResult>, ncii: number, seenFace: boolean): Promise<number | null> {
  const counted = results.likeness?.scores.faces;
  if (typeof counted === "number") return counted;
  const nsfw = results.nsfw;
  const gateCandidate = nsfw !== undefined && intimacyScore(nsfw.scores) >= ncii;
  if (gateCandidate) return countFaces(frame);
  if (seenFace) return null;
  return (await countFaces(frame, { detector: "tiny" })) > 0 ? countFaces(frame) : 0;
}

function scoresOf(results: Record<string, ClassifierResult>): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r.scores]));
}

function flaggedOf(results: Record<string, ClassifierResult>): string[] {
  return Object.entries(results).filter(([, r]) => r.flagged).map(([name]) => name);
}

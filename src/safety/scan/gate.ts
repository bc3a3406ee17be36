// The CSAM hash gate: every frame of a clip is PDQ-hashed and matched against the hash bank. It is the
// first post-filter check and it blocks: one frame within the match distance of a bank hash blocks the
// clip (category "csam"); nothing else about the clip is looked at before this has passed.
//
// Each frame is matched through its 8 dihedral hashes (PDQ's rotations and mirrors, computed from the
// frame's one DCT), so a flipped or rotated copy of a banked clip is caught too; a match names the
// transform that matched.
//
// Frames whose hash quality is below PDQ's floor (50: flat or near-flat frames, e.g. fades to black) are
// not compared, as PDQ prescribes; they are counted as skipped so a report can show how much of the clip
// the gate could actually judge.
import type { BankMatch, HashBank } from "../banks/bank.js";
import { dihedralHashesOfDct, type DihedralHash } from "../pdq/dihedral.js";
import { pdqDct16, pdqDctToHex } from "../pdq/pdq.js";
import { forEachFrame, type RawFramesInput } from "./frames.js";

export interface FrameHash {
  index: number;
  hash: string;
  quality: number;
  /** the frame's 8 dihedral hashes (ORIGINAL's is `hash`) */
  dihedral?: DihedralHash[];
}

export interface FrameResult extends FrameHash {
  /** quality below the bank's floor: not compared */
  skipped: boolean;
  match: BankMatch | null;
}

export interface GateMatch extends BankMatch {
  /** frame index in the clip */
  frame: number;
  /** the frame's hash and quality */
  hash: string;
  quality: number;
}

export interface GateVerdict {
  blocked: boolean;
  category: "csam" | null;
  /** every matching frame, in frame order (for the audit record) */
  matches: GateMatch[];
}

export interface HashGateSummary {
  frames: number;
  /** frames compared against the bank (quality high enough) */
  compared: number;
  skipped: number;
  matched: number;
  /** matched / compared (0 when nothing was compared); vPDQ calls two videos matching at >= 0.8 */
  matchedShare: number;
  bank: string;
  bankSize: number;
  hashMs: number;
  lookupMs: number;
}

export interface HashGateResult {
  frames: FrameResult[];
  verdict: GateVerdict;
  summary: HashGateSummary;
}

const ZERO_HASH = "0".repeat(64);

/** PDQ hash (and its dihedral hashes) of every frame of a raw frames file, in order. */
export async function hashFrames(frames: RawFramesInput): Promise<FrameHash[]> {
  const out: FrameHash[] = [];
  await forEachFrame(frames, (index, rgb) => {
    const dct = pdqDct16(rgb, frames.width, frames.height);
    if (!dct) out.push({ index, hash: ZERO_HASH, quality: 0 });
    else out.push({ index, hash: pdqDctToHex(dct.dct16), quality: dct.quality, dihedral: dihedralHashesOfDct(dct.dct16) });
  });
  return out;
}

/** Runs the gate over every frame of a raw frames file (the engine's RawFrames, or any rgb24 file). */
export async function runHashGate(frames: RawFramesInput, bank: HashBank): Promise<HashGateResult> {
  const t0 = performance.now();
  const hashes = await hashFrames(frames);
  const t1 = performance.now();
  const lookups = await bank.lookup(hashes);
  const t2 = performance.now();
  if (lookups.length !== hashes.length) throw new Error(`hash bank ${bank.description}: ${lookups.length} answers for ${hashes.length} queries`);

  const results: FrameResult[] = hashes.map(({ dihedral: _variants, ...h }, i) => ({ ...h, skipped: lookups[i]!.skipped, match: lookups[i]!.match }));
  const matches: GateMatch[] = results
    .filter((r) => r.match !== null)
    .map((r) => ({ frame: r.index, hash: r.hash, quality: r.quality, ...r.match! }));
  const skipped = results.filter((r) => r.skipped).length;
  const compared = results.length - skipped;
  return {
    frames: results,
    verdict: { blocked: matches.length > 0, category: matches.length > 0 ? "csam" : null, matches },
    summary: {
      frames: results.length,
      compared,
      skipped,
      matched: matches.length,
      matchedShare: compared === 0 ? 0 : matches.length / compared,
      bank: bank.description,
      bankSize: bank.size,
      hashMs: t1 - t0,
      lookupMs: t2 - t1,
    },
  };
}

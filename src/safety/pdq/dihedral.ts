// PDQ's dihedral hashes: the hashes of the 8 rotations and mirrors of an image, computed from the one DCT
// of the original (PDQ reference: pdqHash256esFromFloatLuma and its dct16OriginalTo* helpers). Mirroring
// an image along an axis negates the DCT coefficients of odd frequency along that axis (our index 0 is
// frequency 1, so the even indices); a transposition swaps the two frequency indices; a rotation is a
// transposition and one mirror. Each variant is thresholded at its own median, as the reference does.
//
// Cost: the filter and the DCT (~2-4 ms per 480p frame) are shared; each extra variant is a 256-value
// copy and sort (a few microseconds). Matching 8 hashes per frame instead of 1 costs 8x the bank scan.
import { pdqDct16, pdqDctToHex } from "./pdq.js";

/**
 * The reference's names. For each, the hash is that of the image after the transform: ROTATE_90 is the
 * image turned 90 degrees counter-clockwise, FLIP_X mirrored top to bottom (about the x axis), FLIP_Y
 * mirrored left to right, FLIP_PLUS1 transposed (about the main diagonal), FLIP_MINUS1 about the other
 * diagonal. So a copy rotated clockwise (ffmpeg transpose=1) matches its original through its ROTATE_90
 * hash, an hflip copy through FLIP_Y, a vflip copy through FLIP_X (checked in test/dihedral.test.ts).
 */
export const DIHEDRAL_TRANSFORMS = ["ORIGINAL", "ROTATE_90", "ROTATE_180", "ROTATE_270", "FLIP_X", "FLIP_Y", "FLIP_PLUS1", "FLIP_MINUS1"] as const;
export type DihedralTransform = (typeof DIHEDRAL_TRANSFORMS)[number];

export interface DihedralHash {
  transform: DihedralTransform;
  hash: string;
}

export interface PdqDihedral {
  /** the hashes of the 8 transforms, ORIGINAL first (the plain PDQ hash), in DIHEDRAL_TRANSFORMS order */
  hashes: DihedralHash[];
  /** one quality for all 8: the quality metric does not change under rotation or mirroring */
  quality: number;
}

const ZERO_HASH = "0".repeat(64);
const out = new Float64Array(256);

/** sign(i, j) and whether the variant transposes, per transform (the reference's table). */
const RULES: Record<DihedralTransform, { transpose: boolean; negate: (i: number, j: number) => boolean }> = {
  ORIGINAL: { transpose: false, negate: () => false },
  ROTATE_90: { transpose: true, negate: (_i, j) => (j & 1) === 0 },
  ROTATE_180: { transpose: false, negate: (i, j) => ((i + j) & 1) !== 0 },
  ROTATE_270: { transpose: true, negate: (i) => (i & 1) === 0 },
  FLIP_X: { transpose: false, negate: (i) => (i & 1) === 0 },
  FLIP_Y: { transpose: false, negate: (_i, j) => (j & 1) === 0 },
  FLIP_PLUS1: { transpose: true, negate: () => false },
  FLIP_MINUS1: { transpose: true, negate: (i, j) => ((i + j) & 1) !== 0 },
};

/** Sign and position of each of the 256 coefficients per transform, computed once. */
const TABLES = DIHEDRAL_TRANSFORMS.map((t) => {
  const target = new Int16Array(256);
  const sign = new Float64Array(256);
  const rule = RULES[t];
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      target[i * 16 + j] = rule.transpose ? j * 16 + i : i * 16 + j;
      sign[i * 16 + j] = rule.negate(i, j) ? -1 : 1;
    }
  }
  return { transform: t, target, sign };
});

/** The 8 dihedral hashes of one 16x16 DCT block (from pdqDct16). */
export function dihedralHashesOfDct(dct16: Float64Array): DihedralHash[] {
  return TABLES.map(({ transform, target, sign }) => {
    for (let k = 0; k < 256; k++) out[target[k]!] = sign[k]! * dct16[k]!;
    return { transform, hash: pdqDctToHex(out) };
  });
}

/** PDQ hashes of the 8 rotations and mirrors of an RGB image (rgb24, as pdqHash takes). */
export function pdqHashDihedral(rgb: Uint8Array, width: number, height: number): PdqDihedral {
  const dct = pdqDct16(rgb, width, height);
  if (!dct) return { quality: 0, hashes: DIHEDRAL_TRANSFORMS.map((transform) => ({ transform, hash: ZERO_HASH })) };
  return { quality: dct.quality, hashes: dihedralHashesOfDct(dct.dct16) };
}

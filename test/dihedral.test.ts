// PDQ's dihedral hashes in the every-frame gate: a bank made from one sample clip's reference vPDQ hashes
// catches copies of that clip mirrored, rotated, re-encoded and rescaled with ffmpeg (each through the
// dihedral hash that undoes the transform), and still matches no frame of the unrelated sample clips put
// through the same transforms. Figures (closest distances, false match rate) are printed for the report.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryHashBank, PDQ_MATCH_DISTANCE } from "../src/safety/banks/index.js";
import { DIHEDRAL_TRANSFORMS, hammingDistance, pdqHash, pdqHashDihedral } from "../src/safety/pdq/index.js";
import { scanVideoFile, type VideoGateResult } from "../src/safety/scan/index.js";
import { bankEntriesFromClip, transformClip } from "./helpers/pdq-clips.js";
import { sharedTestData } from "./helpers/testdata.js";

const PDQ_DATA = sharedTestData("pdq", "test/dihedral.test.ts");
const TESTDATA = PDQ_DATA.path;
const BANKED = "chair-19-sd-bar";
const UNRELATED = ["pattern-sd-grey-bar", "doorknob-hd-no-bar"];

/** ffmpeg filter -> the dihedral hash of the copy that should match the original (its inverse). */
const TRANSFORMS: { name: string; vf: string; expect: string; crf?: number }[] = [
  { name: "hflip", vf: "hflip", expect: "FLIP_Y" },
  { name: "vflip", vf: "vflip", expect: "FLIP_X" },
  { name: "rotate 90 clockwise", vf: "transpose=1", expect: "ROTATE_90" },
  { name: "rotate 180", vf: "hflip,vflip", expect: "ROTATE_180" },
  { name: "rotate 270 clockwise", vf: "transpose=2", expect: "ROTATE_270" },
  { name: "transpose", vf: "transpose=0", expect: "FLIP_PLUS1" },
  { name: "anti-transpose", vf: "transpose=3", expect: "FLIP_MINUS1" },
  { name: "re-encoded lossy (crf 38)", vf: "", expect: "ORIGINAL", crf: 38 },
  { name: "rescaled to 240x360", vf: "scale=240:360", expect: "ORIGINAL" },
  { name: "hflip, rescaled to 320x480, re-encoded (crf 32)", vf: "hflip,scale=320:480", expect: "FLIP_Y", crf: 32 },
  { name: "rotate 90, rescaled to 540x360", vf: "transpose=1,scale=540:360", expect: "ROTATE_90" },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-dihedral-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("dihedral hashes of one image", () => {
  it("ORIGINAL is the plain PDQ hash, and each variant is the hash of the transformed image", () => {
    // a 40x24 image with no symmetry: a horizontal and a vertical ramp and a bright corner block
    const [w, h] = [40, 24];
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const v = (x * 5 + y * 2 + (x < 8 && y < 6 ? 120 : 0)) % 256;
      rgb.set([v, (v * 3) % 256, 255 - v], (y * w + x) * 3);
    }
    const transformed = (map: (x: number, y: number) => [number, number], tw: number, th: number) => {
      const out = new Uint8Array(tw * th * 3);
      for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
        const [sx, sy] = map(x, y);
        out.set(rgb.subarray((sy * w + sx) * 3, (sy * w + sx) * 3 + 3), (y * tw + x) * 3);
      }
      return pdqHash(out, tw, th).hash;
    };
    const d = pdqHashDihedral(rgb, w, h);
    const byName = Object.fromEntries(d.hashes.map((v) => [v.transform, v.hash]));
    expect(d.hashes.map((v) => v.transform)).toEqual([...DIHEDRAL_TRANSFORMS]);
    expect(byName.ORIGINAL).toBe(pdqHash(rgb, w, h).hash);
    // The image itself transformed, then hashed: within a few bits (the filter's edges are not symmetric).
    const direct: Record<string, string> = {
      FLIP_Y: transformed((x, y) => [w - 1 - x, y], w, h),
      FLIP_X: transformed((x, y) => [x, h - 1 - y], w, h),
      ROTATE_180: transformed((x, y) => [w - 1 - x, h - 1 - y], w, h),
      FLIP_PLUS1: transformed((x, y) => [y, x], h, w),
      ROTATE_90: transformed((x, y) => [w - 1 - y, x], h, w), // counter-clockwise
      ROTATE_270: transformed((x, y) => [y, h - 1 - x], h, w),
      FLIP_MINUS1: transformed((x, y) => [w - 1 - y, h - 1 - x], h, w),
    };
    for (const [name, hash] of Object.entries(direct)) {
      expect(hammingDistance(byName[name]!, hash), name).toBeLessThanOrEqual(24);
      expect(hammingDistance(byName.ORIGINAL!, hash), `${name} differs from the original`).toBeGreaterThan(60);
    }
  });
});

describe.skipIf(!PDQ_DATA.available)("dihedral matching on the PDQ sample clips", () => {
  const bank = new InMemoryHashBank(PDQ_DATA.available ? bankEntriesFromClip(TESTDATA, BANKED) : [], { description: `${BANKED} vPDQ hashes` });
  const figures: string[] = [];
  afterAll(() => console.log(`dihedral matching (bank: ${bank.size} hashes of ${BANKED}):\n  ${figures.join("\n  ")}`));

  /** The same frames looked up without their dihedral hashes: what the gate saw before. */
  async function plainMatches(result: VideoGateResult): Promise<number> {
    const plain = await bank.lookup(result.frames.map((f) => ({ hash: f.hash, quality: f.quality })));
    return plain.filter((l) => l.match).length;
  }

  for (const t of TRANSFORMS) {
    it(`catches ${BANKED} ${t.name} through ${t.expect}`, async () => {
      const clip = await transformClip(TESTDATA, BANKED, join(dir, `banked-${t.name.replace(/\W+/g, "-")}.mp4`), { vf: t.vf, crf: t.crf });
      const result = await scanVideoFile(clip, bank);
      expect(result.verdict.blocked).toBe(true);
      expect(result.verdict.category).toBe("csam");
      // vPDQ's rule for a video match: >= 80% of the compared frames
      expect(result.summary.compared).toBeGreaterThan(60);
      expect(result.summary.matchedShare).toBeGreaterThanOrEqual(0.8);
      const transforms = result.verdict.matches.map((m) => m.transform ?? "ORIGINAL");
      expect(transforms.filter((x) => x === t.expect).length / transforms.length).toBeGreaterThanOrEqual(0.95);
      const distances = result.verdict.matches.map((m) => m.distance);
      const plain = await plainMatches(result);
      if (t.expect !== "ORIGINAL") expect(plain).toBe(0); // without the dihedral hashes the copy walks through
      figures.push(`${t.name}: ${result.summary.matched}/${result.summary.compared} frames matched via ${t.expect}, ` +
        `distance median ${distances.sort((a, b) => a - b)[distances.length >> 1]} max ${distances.at(-1)}; plain hash alone: ${plain}`);
    }, 120_000);
  }

  for (const clip of UNRELATED) {
    it(`matches no frame of ${clip}, as is or transformed (false match rate 0)`, async () => {
      // A bank that answers every frame with its closest hash (any distance): the figure is how far the
      // closest of each frame's 8 dihedral hashes stays from the bank; a match is <= 31.
      const loose = new InMemoryHashBank(bankEntriesFromClip(TESTDATA, BANKED), { maxDistance: 256 });
      let compared = 0;
      const distances: number[] = [];
      for (const t of [{ name: "as is", vf: "" }, ...TRANSFORMS.slice(0, 7)]) {
        const path = await transformClip(TESTDATA, clip, join(dir, `unrelated-${clip}-${t.name.replace(/\W+/g, "-")}.mp4`), { vf: t.vf });
        const result = await scanVideoFile(path, loose);
        compared += result.summary.compared;
        distances.push(...result.verdict.matches.map((m) => m.distance));
        expect(result.verdict.matches.filter((m) => m.distance <= PDQ_MATCH_DISTANCE), `${clip} ${t.name}`).toEqual([]);
      }
      expect(compared).toBeGreaterThan(100);
      expect(distances).toHaveLength(compared);
      distances.sort((a, b) => a - b);
      figures.push(`${clip} (as is + 7 transforms): 0/${compared} frames matched (false match rate 0); closest distance over ` +
        `the 8 dihedral hashes: min ${distances[0]}, 1st percentile ${distances[Math.floor(compared / 100)]}, median ${distances[compared >> 1]}`);
    }, 300_000);
  }
});


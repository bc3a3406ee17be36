// The post-filter's frame scanner: the hash bank (file format, PDQ's match and quality rules), the
// every-frame hash gate over raw frame files, standalone scans of the PDQ sample clips (a bank made from
// one clip's reference vPDQ hashes catches that clip and not the unrelated ones), `kinema scan`, and the
// frame goldens in eval/golden/frames/. The clips and reference hashes are third-party data beside the
// repository: without them the tests that read them skip, with the reason printed (test/helpers/testdata.ts).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatHashBank,
  HashBankFormatError,
  InMemoryHashBank,
  loadHashBankFile,
  parseHashBank,
  type BankEntry,
  type HashBank,
} from "../src/safety/banks/index.js";
import { hammingDistance, pdqHash } from "../src/safety/pdq/index.js";
import {
  forEachFrame,
  outputVideoStream,
  readFrames,
  runHashGate,
  sampledFrames,
  scanVideoFile,
  withDecodedVideo,
  type VideoGateResult,
} from "../src/safety/scan/index.js";
import { cpuMsSince, cpuNow } from "./helpers/cpu-time.js";
import { bankEntriesFromClip as clipBankEntries, vpdqHashes } from "./helpers/pdq-clips.js";
import { sharedTestData } from "./helpers/testdata.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PDQ_DATA = sharedTestData("pdq", "test/scan.test.ts");
const TESTDATA = PDQ_DATA.path;
/** Suites that read the PDQ clips or their reference hashes: skipped without them. */
const withPdqData = describe.skipIf(!PDQ_DATA.available);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-scan-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A clip's reference vPDQ hashes, and bank entries from them (test/helpers/pdq-clips.ts). */
const vpdq = (clip: string) => vpdqHashes(TESTDATA, clip);
const bankEntriesFromClip = (clip: string, label = clip): BankEntry[] => clipBankEntries(TESTDATA, clip, label);

const video = (clip: string) => join(TESTDATA, "videos", `${clip}.mp4`);

// each (clip, bank) pair is decoded and scanned once per run
const scans = new Map<string, Promise<VideoGateResult>>();
const bankIds = new WeakMap<HashBank, number>();
let nextBankId = 0;
function scan(clip: string, bank: HashBank): Promise<VideoGateResult> {
  if (!bankIds.has(bank)) bankIds.set(bank, nextBankId++);
  const key = `${clip}|${bankIds.get(bank)}`;
  if (!scans.has(key)) scans.set(key, scanVideoFile(video(clip), bank));
  return scans.get(key)!;
}

function randomHash(next: () => number): string {
  let hex = "";
  for (let i = 0; i < 8; i++) hex += (next() >>> 0).toString(16).padStart(8, "0");
  return hex;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** `hash` with the first `n` bits (from the most significant end) inverted. */
function flipBits(hash: string, n: number): string {
  const digits = hash.split("").map((c) => Number.parseInt(c, 16));
  for (let k = 0; k < n; k++) digits[k >> 2]! ^= 8 >> (k & 3);
  return digits.map((d) => d.toString(16)).join("");
}

describe("hash bank", () => {
  const base = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22";

  it("reads lines of hexhash,label with comments, blank lines, CRLF and labels that contain commas", () => {
    const text = `# a bank\r\n\r\n${base.toUpperCase()},bridge, the original\r\n  # indented comment\n${flipBits(base, 100)} , other \n`;
    expect(parseHashBank(text)).toEqual([
      { hash: base, label: "bridge, the original" },
      { hash: flipBits(base, 100), label: "other" },
    ]);
    expect(parseHashBank(formatHashBank(parseHashBank(text), "round trip\ntwo lines"))).toEqual(parseHashBank(text));
  });

  it("names the first bad line", () => {
    expect(() => parseHashBank(`${base},ok\nabc,short`, "bank.txt")).toThrow(/bank\.txt:2: not a PDQ hash/);
    expect(() => parseHashBank(`# c\n${base}`, "bank.txt")).toThrow(HashBankFormatError);
    expect(() => parseHashBank(`${base},`, "bank.txt")).toThrow(/bank\.txt:1: missing label/);
  });

  it("matches at Hamming distance <= 31 and not at 32, and reports the closest bank hash", async () => {
    const bank = new InMemoryHashBank([
      { hash: flipBits(base, 40), label: "far" },
      { hash: flipBits(base, 31), label: "edge" },
    ]);
    expect(await bank.match(base, 100)).toEqual({ label: "edge", bankHash: flipBits(base, 31), distance: 31 });
    expect(await bank.match(flipBits(base, 40), 100)).toEqual({ label: "far", bankHash: flipBits(base, 40), distance: 0 });
    const lone = new InMemoryHashBank([{ hash: flipBits(base, 32), label: "x" }]);
    expect(await lone.match(base, 100)).toBeNull();
  });

  it("takes the first of equally close bank hashes", async () => {
    const bank = new InMemoryHashBank([
      { hash: flipBits(base, 3), label: "first" },
      { hash: flipBits(flipBits(base, 6), 3), label: "second" },
    ]);
    // base differs from both by 3 bits
    expect(hammingDistance(base, flipBits(flipBits(base, 6), 3))).toBe(3);
    expect((await bank.match(base, 100))?.label).toBe("first");
  });

  it("skips queries of quality < 50 (reported as skipped, not as clean) and compares those of 50", async () => {
    const bank = new InMemoryHashBank([{ hash: base, label: "bridge" }]);
    expect(await bank.lookup([{ hash: base, quality: 49 }, { hash: base, quality: 50 }, { hash: flipBits(base, 128), quality: 100 }])).toEqual([
      { skipped: true, match: null },
      { skipped: false, match: { label: "bridge", bankHash: base, distance: 0 } },
      { skipped: false, match: null },
    ]);
    expect(await bank.match(base, 10)).toBeNull();
  });

  it("loads the file-backed default", async () => {
    const path = join(dir, "bank.txt");
    await writeFile(path, `# test bank\n${base},bridge\n`);
    const bank = await loadHashBankFile(path);
    expect(bank.size).toBe(1);
    expect(bank.description).toBe(`${path} (1 hashes)`);
    expect((await bank.match(flipBits(base, 5), 90))?.distance).toBe(5);
    await expect(loadHashBankFile(join(dir, "missing.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("finds the same matches as a brute-force scan in a bank of 10,000, fast", async () => {
    const next = lcg(7);
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ hash: randomHash(next), label: `h${i}` }));
    const bank = new InMemoryHashBank(entries);
    // 240 queries: near copies of bank hashes (0..40 bits off) and random ones
    const queries = Array.from({ length: 240 }, (_, i) =>
      i % 2 === 0 ? { hash: flipBits(entries[(i * 37) % entries.length]!.hash, i % 41), quality: 100 } : { hash: randomHash(next), quality: 100 },
    );
    const cpu = cpuNow(); // CPU time: the wall clock would also count the wait for a core on a loaded machine
    const answers = await bank.lookup(queries);
    const ms = cpuMsSince(cpu);
    queries.forEach((q, i) => {
      let best: { label: string; distance: number } | null = null;
      for (const e of entries) {
        const d = hammingDistance(q.hash, e.hash);
        if (d <= 31 && (!best || d < best.distance)) best = { label: e.label, distance: d };
      }
      expect(answers[i]!.match && { label: answers[i]!.match!.label, distance: answers[i]!.match!.distance }).toEqual(best);
    });
    expect(answers.filter((a) => a.match).length).toBe(96); // the copies 0..31 bits off
    expect(ms).toBeLessThan(1_000); // ~2.4M comparisons; tens of ms of CPU here
  });
});

describe("frame sampling for the classifiers", () => {
  it("takes every 5th frame plus the first and the last", () => {
    expect(sampledFrames(0)).toEqual([]);
    expect(sampledFrames(1)).toEqual([0]);
    expect(sampledFrames(5)).toEqual([0, 4]);
    expect(sampledFrames(6)).toEqual([0, 5]);
    expect(sampledFrames(11)).toEqual([0, 5, 10]);
    const s = sampledFrames(240);
    expect(s).toHaveLength(49);
    expect(s.slice(0, 3)).toEqual([0, 5, 10]);
    expect(s.slice(-2)).toEqual([235, 239]);
  });
});

describe("hash gate over raw frames", () => {
  const width = 96;
  const height = 64;

  /** Frame k: a pattern that differs per frame; frame 3 is flat (quality 0). */
  function frame(k: number): Buffer {
    const rgb = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = k === 3 ? 90 : Math.round(127 + 120 * Math.sin((x * (k + 1)) / 9 + k) * Math.cos((y * (4 - k)) / 7));
        rgb.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
    return rgb;
  }

  async function rawFile(name: string, frames: Buffer[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, Buffer.concat(frames));
    return path;
  }

  it("hashes every frame, blocks on a bank match with category csam, and counts flat frames as skipped", async () => {
    const frames = [0, 1, 2, 3].map(frame);
    const path = await rawFile("four.rgb", frames);
    const target = pdqHash(frames[2]!, width, height);
    const bank = new InMemoryHashBank([{ hash: flipBits(target.hash, 5), label: "known-bad" }]);
    const result = await runHashGate({ path, width, height, count: 4 }, bank);
    expect(result.frames.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(result.frames[2]).toEqual({ index: 2, hash: target.hash, quality: target.quality, skipped: false, match: { label: "known-bad", bankHash: flipBits(target.hash, 5), distance: 5 } });
    expect(result.frames[3]).toMatchObject({ quality: 0, skipped: true, match: null });
    expect(result.verdict).toEqual({
      blocked: true,
      category: "csam",
      matches: [{ frame: 2, hash: target.hash, quality: target.quality, label: "known-bad", bankHash: flipBits(target.hash, 5), distance: 5 }],
    });
    expect(result.summary).toMatchObject({ frames: 4, compared: 3, skipped: 1, matched: 1, bankSize: 1 });
    expect(result.summary.matchedShare).toBeCloseTo(1 / 3);
  });

  it("passes a clip with no frame near the bank", async () => {
    const path = await rawFile("two.rgb", [frame(0), frame(1)]);
    const far = flipBits(pdqHash(frame(0), width, height).hash, 128);
    const result = await runHashGate({ path, width, height, count: 2 }, new InMemoryHashBank([{ hash: far, label: "x" }]));
    expect(result.verdict).toEqual({ blocked: false, category: null, matches: [] });
  });

  it("refuses a file that does not hold exactly `count` frames (short, or with unscanned frames after them)", async () => {
    const path = await rawFile("three.rgb", [frame(0), frame(1), frame(2)]);
    const bank = new InMemoryHashBank([]);
    await expect(runHashGate({ path, width, height, count: 4 }, bank)).rejects.toThrow(/but 4 frames/);
    await expect(runHashGate({ path, width, height, count: 2 }, bank)).rejects.toThrow(/but 2 frames/);
    await expect(runHashGate({ path, width: 95, height, count: 3 }, bank)).rejects.toThrow(/95x64/);
  });

  it("reads frames in order, and picked frames by index", async () => {
    const frames = [0, 1, 2].map(frame);
    const path = await rawFile("order.rgb", frames);
    const seen: number[] = [];
    await forEachFrame({ path, width, height, count: 3 }, (index, rgb) => {
      expect(rgb.equals(frames[index]!)).toBe(true);
      seen.push(index);
    });
    expect(seen).toEqual([0, 1, 2]);
    const picked = await readFrames({ path, width, height, count: 3 }, [2, 0]);
    expect(picked[0]!.equals(frames[2]!) && picked[1]!.equals(frames[0]!)).toBe(true);
    await expect(readFrames({ path, width, height, count: 3 }, [3])).rejects.toThrow(RangeError);
  });
});

describe("ffmpeg's log", () => {
  it("gives the output stream's size", () => {
    const log = "Input #0, mov,mp4...\n  Stream #0:0(und): Video: h264 (Main), yuv420p, 1280x720, 30 fps\nOutput #0, rawvideo, to 'x.rgb':\n  Stream #0:0(und): Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/unknown/unknown, progressive), 480x720, q=2-31, 248832 kb/s, 29.97 fps, 29.97 tbn\n";
    expect(outputVideoStream(log)).toEqual({ width: 480, height: 720, fps: 29.97 });
    expect(outputVideoStream("Input #0 only")).toBeNull();
  });
});

withPdqData("scanning the PDQ sample clips", () => {
  // the bank: every frame hash of ONE clip, from the reference vPDQ output
  const bank = new InMemoryHashBank(PDQ_DATA.available ? bankEntriesFromClip("chair-19-sd-bar") : [], { description: "chair-19 vPDQ hashes" });

  it("decodes every frame at the clip's own rate, close to the reference vPDQ hashes", async () => {
    const reference = vpdq("chair-19-sd-bar");
    const result = await scan("chair-19-sd-bar", bank);
    expect(result.video).toMatchObject({ width: 480, height: 720, count: 564, fps: 30 });
    expect(result.frames).toHaveLength(reference.length);
    const distances = result.frames.map((h, i) => hammingDistance(h.hash, reference[i]!.hash));
    // PDQ's guidance for another decoder: quality >= 80 within 10. Measured: max 6, ~63% exact.
    expect(Math.max(...distances)).toBeLessThanOrEqual(10);
    expect(distances.filter((d) => d === 0).length / distances.length).toBeGreaterThan(0.5);
    expect(result.frames.every((h, i) => Math.abs(h.quality - reference[i]!.quality) <= 1)).toBe(true);
  });

  it("catches the clip whose hashes are in the bank (vPDQ's rule: >= 80% of compared frames match)", async () => {
    const result = await scan("chair-19-sd-bar", bank);
    expect(result.video.count).toBe(564);
    expect(result.verdict.blocked).toBe(true);
    expect(result.verdict.category).toBe("csam");
    expect(result.summary.compared).toBe(564);
    expect(result.summary.matchedShare).toBeGreaterThanOrEqual(0.8); // measured: 1.0 (564 of 564)
    expect(result.verdict.matches[0]).toMatchObject({ frame: 0, label: "chair-19-sd-bar#0" });
  });

  for (const clip of ["pattern-sd-grey-bar", "doorknob-hd-no-bar"]) {
    it(`passes the unrelated clip ${clip}: no frame matches`, async () => {
      const result = await scan(clip, bank);
      expect(result.summary.matched).toBe(0);
      expect(result.verdict).toEqual({ blocked: false, category: null, matches: [] });
      expect(result.summary.compared).toBeGreaterThan(50);
    });
  }

  it("cleans up: no decoded frames are left behind, also when the scan fails", async () => {
    let path = "";
    await expect(
      withDecodedVideo(video("pattern-sd-grey-bar"), async (frames) => {
        path = frames.path;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await expect(readFrames({ path, width: 480, height: 720, count: 1 }, [0])).rejects.toThrow(/ENOENT/);
  });
});

withPdqData("kinema scan", () => {
  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "scan", ...args], {
        cwd: ROOT,
        env: { ...process.env, KINEMA_HASH_BANK: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c));
      child.stderr.on("data", (c: Buffer) => (stderr += c));
      child.on("error", fail);
      child.on("close", (code) => done({ code, stdout, stderr }));
    });
  }

  let bankPath: string;
  beforeAll(async () => {
    bankPath = join(dir, "pattern-bank.txt");
    await writeFile(bankPath, formatHashBank(bankEntriesFromClip("pattern-sd-grey-bar"), "pattern-sd-grey-bar, every frame"));
  });

  it("exits 1 and lists the matches when the clip is in the bank", async () => {
    const { code, stdout } = await cli([video("pattern-sd-grey-bar"), "--bank", bankPath, "--json"]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ blocked: true, category: "csam", frames: 206, width: 480, height: 720, bank: { path: bankPath, size: 206 }, classifiers: null });
    expect(report.hashGate.matched).toBe(206);
    expect(report.hashGate.matches[0]).toMatchObject({ frame: 0, label: "pattern-sd-grey-bar#0" });
  });

  it("exits 0 and says clean for an unrelated clip", async () => {
    const { code, stdout } = await cli([video("doorknob-hd-no-bar"), "--bank", bankPath]);
    expect(code).toBe(0);
    expect(stdout).toContain("doorknob-hd-no-bar.mp4: clean");
    expect(stdout).toMatch(/frames: +120 \(1280x720, 30 fps\)/);
    expect(stdout).toMatch(/0 matched/);
  });

  it("exits 2 on usage and input errors", async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli([video("pattern-sd-grey-bar"), "--nope"])).code).toBe(2);
    const missing = await cli([join(dir, "missing.mp4"), "--bank", bankPath]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    const notVideo = await cli([bankPath, "--bank", bankPath]);
    expect(notVideo.code).toBe(2);
    expect(notVideo.stderr).toContain("cannot decode");
    const badBank = await cli([video("pattern-sd-grey-bar"), "--bank", join(ROOT, "package.json")]);
    expect(badBank.code).toBe(2);
    expect(badBank.stderr).toContain("bad hash bank");
  });
});

describe("frame goldens (eval/golden/frames)", () => {
  interface Item { kind: "image" | "clip"; path: string; why: string }
  interface Manifest {
    bank: ({ hash: string; label: string } | { vpdq: string; label: string })[];
    counts: { mustBlock: number; mustPass: number };
    mustBlock: Item[];
    mustPass: Item[];
  }
  const manifest = JSON.parse(readFileSync(join(ROOT, "eval/golden/frames/manifest.json"), "utf8")) as Manifest;

  it("only grows: each set holds at least its committed count", () => {
    expect(manifest.mustBlock.length).toBeGreaterThanOrEqual(manifest.counts.mustBlock);
    expect(manifest.mustPass.length).toBeGreaterThanOrEqual(manifest.counts.mustPass);
  });

  withPdqData("each golden against the bank", () => {
    const entries: BankEntry[] = !PDQ_DATA.available ? [] : manifest.bank.flatMap((b) =>
      "hash" in b ? [{ hash: b.hash, label: b.label }] : bankEntriesFromClip(b.vpdq.replace(/^video-hashes\//, "").replace(/\.txt$/, ""), b.label),
    );
    const bank = new InMemoryHashBank(entries, { description: "frame goldens" });

    async function blocked(item: Item): Promise<boolean> {
      const path = join(TESTDATA, item.path);
      if (item.kind === "clip") return (await scan(item.path.replace(/^videos\//, "").replace(/\.mp4$/, ""), bank)).verdict.blocked;
      // an image is a one-frame clip: the same gate, on its raw pixels
      const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const raw = join(dir, `${item.path.replace(/\W/g, "_")}.rgb`);
      await writeFile(raw, data);
      return (await runHashGate({ path: raw, width: info.width, height: info.height, count: 1 }, bank)).verdict.blocked;
    }

    for (const item of manifest.mustBlock) {
      it(`blocks ${item.path} (${item.why})`, async () => {
        expect(await blocked(item)).toBe(true);
      });
    }
    for (const item of manifest.mustPass) {
      it(`passes ${item.path} (${item.why})`, async () => {
        expect(await blocked(item)).toBe(false);
      });
    }
  });
});

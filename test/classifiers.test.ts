// The post-filter's sampled-frame classifiers on real models: nsfwjs MobileNetV2Mid and face-api, both on
// tfjs-wasm. NSFW flags a frame on its own score at the shipped thresholds: the probe (test/fixtures/
// nsfw-probe, an abstract colour field found by searching with the classifier's scores) reads Porn ~0.98.
// Faces come from the photos face-api ships in its npm package (demo/sample*.jpg: group photos of 3-4
// adults each), decoded with ffmpeg; a gallery is enrolled from the full-size photo and matched against
// its 854x480 copy (the same people) and against another photo (other people). No face is synthesised:
// a drawn face is no test of a face detector.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defaultClassifiers, DEFAULT_NSFW_THRESHOLDS, describeFaces, FileGallery, formatGalleryLine, likenessClassifier, MemoryGallery, nsfwClassifier,
  runClassifiers, violenceClassifier, type Frame, type GalleryEntry,
} from "../src/safety/classifiers/index.js";
import { euclideanDistance, isMatch, nearestEntry, parseGallery } from "../src/safety/classifiers/gallery.js";
import { loadNsfwModel } from "../src/safety/classifiers/nsfw.js";
import { loadProbeGrid, renderGrid, startGrid } from "./fixtures/nsfw-probe/probe.js";
import { decodeFrame, facePhoto as photo } from "./helpers/photos.js";
const flat = (width: number, height: number, [r, g, b]: [number, number, number]): Frame => {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set([r, g, b], i);
  return { rgb, width, height };
};
const unit = (seed: number) => {
  const v = Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 1000 + i * 7.1));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

let dir: string;
let testsrc: Frame;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-classifiers-"));
  testsrc = await decodeFrame(["-f", "lavfi", "-i", "testsrc2=size=854x480:rate=24"], 854, 480);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("NSFW classifier (nsfwjs MobileNetV2Mid, tfjs-wasm)", () => {
  it("scores all five classes, summing to 1, and does not flag a flat frame or a test pattern", async () => {
    const nsfw = nsfwClassifier();
    for (const frame of [flat(224, 224, [128, 128, 128]), flat(854, 480, [20, 60, 160]), testsrc]) {
      const result = await nsfw.classify(frame);
      expect(Object.keys(result.scores).sort()).toEqual(["Drawing", "Hentai", "Neutral", "Porn", "Sexy"]);
      expect(Object.values(result.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      expect(result.flagged).toBe(false);
      expect(result.category).toBeNull();
      expect(result.scores.Porn).toBeLessThan(0.2);
    }
  });

  it("flags the probe frame on its own score at the shipped thresholds, at every frame size, and not its starting point", async () => {
    const probe = await loadProbeGrid();
    const nsfw = nsfwClassifier(); // the defaults: Porn 0.7, Hentai 0.7, Sexy 0.9
    for (const [width, height] of [[224, 224], [256, 144], [848, 480], [1920, 1088]] as const) {
      const result = await nsfw.classify(renderGrid(probe, width, height));
      expect(result, `${width}x${height}`).toMatchObject({ flagged: true, category: "sexual", detail: { triggered: ["Porn"], thresholds: DEFAULT_NSFW_THRESHOLDS } });
      expect(result.scores.Porn).toBeGreaterThan(0.95); // measured 0.980 at each size; the threshold is 0.7
    }
    const start = await nsfw.classify(renderGrid(startGrid(), 848, 480));
    expect(start.flagged).toBe(false);
    expect(start.scores.Porn).toBeLessThan(0.01); // measured 0.0001
    expect(start.scores.Neutral).toBeGreaterThan(0.5);
  });

  it("honours per-class thresholds: 0 flags every frame as sexual, above 1 never flags", async () => {
    const always = await nsfwClassifier({ thresholds: { Porn: 0 } }).classify(testsrc);
    expect(always).toMatchObject({ flagged: true, category: "sexual", detail: { triggered: ["Porn"] } });
    const never = await nsfwClassifier({ thresholds: { Porn: 1.01, Hentai: 1.01, Sexy: 1.01 } }).classify(testsrc);
    expect(never.flagged).toBe(false);
    expect(() => nsfwClassifier({ thresholds: { Sexy: Number.NaN } })).toThrow(/Sexy/);
  });

  it("loads the model once per process and rejects a buffer of the wrong size", async () => {
    expect(loadNsfwModel()).toBe(loadNsfwModel());
    await expect(nsfwClassifier().classify({ rgb: new Uint8Array(10), width: 224, height: 224 })).rejects.toThrow(/needs 150528 rgb24 bytes/);
  });
});

describe("likeness gallery matching (no model)", () => {
  const a = unit(1);
  const b = unit(2);
  const gallery: GalleryEntry[] = [{ label: "person-a", descriptor: a }, { label: "person-b", descriptor: b }];

  it("finds the nearest entry by Euclidean distance and matches strictly below the threshold", () => {
    expect(euclideanDistance(a, a)).toBe(0);
    expect(euclideanDistance([0, 3], [4, 0])).toBe(5);
    const nearA = a.map((x, i) => x + (i === 0 ? 0.3 : 0));
    expect(nearestEntry(nearA, gallery)).toEqual({ label: "person-a", distance: expect.closeTo(0.3, 5) });
    expect(nearestEntry(a, [])).toBeNull();
    expect(isMatch(0.59, 0.6)).toBe(true);
    expect(isMatch(0.6, 0.6)).toBe(false);
  });

  it("reads the JSON-lines gallery, skips comments, names the bad line, and re-reads an edited file", async () => {
    const path = join(dir, "gallery.jsonl");
    await writeFile(path, `# comment\n\n${formatGalleryLine("person-a", a)}\n`);
    const file = new FileGallery(path);
    const first = await file.entries();
    expect(first.map((e) => e.label)).toEqual(["person-a"]);
    expect(euclideanDistance(first[0]!.descriptor, a)).toBeLessThan(1e-5);
    await writeFile(path, `${formatGalleryLine("person-a", a)}\n${formatGalleryLine("person-b", b)}\n`);
    expect((await file.entries()).map((e) => e.label)).toEqual(["person-a", "person-b"]);
    expect(() => parseGallery(`${formatGalleryLine("x", a)}\n{"label":"y","descriptor":[1,2]}`, "g.jsonl")).toThrow(/g\.jsonl:2: descriptor has 2 numbers/);
    expect(() => parseGallery(`{"descriptor":[]}`)).toThrow(/label/);
    await expect(new FileGallery(join(dir, "missing.jsonl")).entries()).rejects.toThrow(/ENOENT/);
  });
});

describe("likeness classifier (face-api SSD MobileNetV1 + 128-d descriptors, tfjs-wasm)", () => {
  let enrolled: GalleryEntry[];
  beforeAll(async () => {
    // Enrol the three people of sample3 from the full-size photo, as an operator would from a reference.
    const faces = await describeFaces(await photo(3, 1920, 1280));
    enrolled = faces.map((face, i) => ({ label: `sample3-person${i}`, descriptor: face.descriptor }));
  });

  it("enrols every face of the reference photo", () => {
    expect(enrolled).toHaveLength(3);
  });

  it("flags a 480p frame of the enrolled people, not a frame of other people nor one without faces", async () => {
    const path = join(dir, "enrolled.jsonl");
    await writeFile(path, enrolled.map((e) => formatGalleryLine(e.label, e.descriptor)).join("\n"));
    const likeness = likenessClassifier({ gallery: new FileGallery(path) });

    const same = await likeness.classify(await photo(3, 854, 480));
    expect(same).toMatchObject({ flagged: true, category: "likeness", scores: { faces: 3 } });
    expect(same.scores.minDistance).toBeLessThan(0.3); // measured 0.07
    expect((same.detail as { matches: string[] }).matches.sort()).toEqual(enrolled.map((e) => e.label).sort());

    const others = await likeness.classify(await photo(6, 854, 480));
    expect(others.flagged).toBe(false);
    expect(others.scores.faces).toBeGreaterThanOrEqual(3);
    expect(others.scores.minDistance).toBeGreaterThan(0.65); // measured 0.73

    const none = await likeness.classify(testsrc);
    expect(none).toMatchObject({ flagged: false, category: null, scores: { faces: 0 } });
  });

  it("runs no model for an empty gallery, which is what ships", async () => {
    const result = await likenessClassifier({ gallery: new MemoryGallery([]) }).classify(testsrc);
    expect(result).toMatchObject({ flagged: false, detail: { skipped: "empty gallery" } });
    const shipped = defaultClassifiers().find((c) => c.name === "likeness")!;
    expect((await shipped.classify(testsrc)).detail).toEqual({ skipped: "empty gallery" });
  });
});

describe("the default set", () => {
  it("is NSFW and likeness; violence has no model and is not registered", async () => {
    expect(defaultClassifiers().map((c) => c.name)).toEqual(["nsfw", "likeness"]);
    expect(defaultClassifiers({ likeness: false }).map((c) => c.name)).toEqual(["nsfw"]);
    const results = await runClassifiers(defaultClassifiers({ likeness: { gallery: new MemoryGallery([{ label: "x", descriptor: unit(3) }]) } }), testsrc);
    expect(Object.keys(results)).toEqual(["nsfw", "likeness"]);
    expect(Object.values(results).some((r) => r.flagged)).toBe(false);
  });

  it("adapts a violence model, when someone supplies one, to the same port", async () => {
    const stub = violenceClassifier({ name: "stub", score: async () => 0.9 });
    expect(await stub.classify(testsrc)).toMatchObject({ flagged: true, category: "violence", scores: { violence: 0.9 } });
    expect((await violenceClassifier({ name: "stub", score: async () => 0.1 }).classify(testsrc)).flagged).toBe(false);
  });
});

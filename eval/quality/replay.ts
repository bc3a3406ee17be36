// The frame goldens of the CSAM gate (eval/golden/frames/manifest.json) replayed through the worker: a
// stage in place of denoise + decode that "generates" a banked test item (an image repeated into a short
// clip, or every decoded frame of a video) and encodes it the way DECODING does, followed by the real
// post-filter, signing and upload stages. The bank is the manifest's, written to a file and configured
// through KINEMA_HASH_BANK exactly as test/postfilter.test.ts does.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import type { RawFrames } from "../../src/engine/decode.js";
import { encodeMp4 } from "../../src/engine/encode.js";
import type { ModelSource } from "../../src/engine/models.js";
import { formatHashBank, type BankEntry } from "../../src/safety/banks/index.js";
import { decodeVideoToRawFrames } from "../../src/safety/scan/index.js";
import type { Stage, StageContext } from "../../workers/pipeline.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FRAMES_MANIFEST = join(ROOT, "eval/golden/frames/manifest.json");
/** an image becomes a clip of this many identical frames (1 s at the cpu profile's 8 fps) */
export const IMAGE_FRAMES = 8;

export interface ReplayItem { kind: "image" | "clip"; path: string; why: string }

interface FramesManifest {
  testdata: string;
  bank: ({ hash: string; label: string } | { vpdq: string; label: string })[];
  mustBlock: ReplayItem[];
  mustPass: ReplayItem[];
}

export interface ReplaySet {
  testdata: string;
  items: ReplayItem[];
  /** a must-pass item: it must be delivered and stored, which shows the storage check can see a leak */
  control: ReplayItem;
  bank: BankEntry[];
}

/** The manifest's mustBlock items and bank; the test data lives outside the repo (KINEMA_PDQ_TESTDATA overrides). */
export function loadReplaySet(env: NodeJS.ProcessEnv = process.env): ReplaySet {
  const manifest = JSON.parse(readFileSync(FRAMES_MANIFEST, "utf8")) as FramesManifest;
  const testdata = env.KINEMA_PDQ_TESTDATA ?? resolve(ROOT, manifest.testdata);
  if (!existsSync(testdata)) throw new Error(`PDQ test data not found at ${testdata} (set KINEMA_PDQ_TESTDATA)`);
  const bank = manifest.bank.flatMap((b): BankEntry[] => {
    if ("hash" in b) return [{ hash: b.hash, label: b.label }];
    // a clip's reference vPDQ lines: frameNumber,quality,pdqHash,timestamp; PDQ compares quality >= 50 only
    return readFileSync(join(testdata, b.vpdq), "utf8").trim().split("\n").flatMap((line) => {
      const [frame, quality, hash] = line.split(",");
      return Number(quality) >= 50 ? [{ hash: hash!, label: `${b.label}#${frame}` }] : [];
    });
  });
  return { testdata, items: manifest.mustBlock, control: manifest.mustPass[0]!, bank };
}

export async function writeBankFile(set: ReplaySet, dir: string): Promise<string> {
  const path = join(dir, "golden-bank.txt");
  await writeFile(path, formatHashBank(set.bank, "level 2: the frame goldens' bank (eval/golden/frames/manifest.json)"));
  return path;
}

/** Item i of the must-block items, then the control. */
export const replayItem = (set: ReplaySet, i: number): ReplayItem | undefined => (i === set.items.length ? set.control : set.items[i]);

/** The prompt that carries an item's number to the replay stage: benign words, so the pre-filter passes it. */
export const replayPrompt = (item: number) => `a quiet harbour at dawn, replay item ${item}`;
const ITEM = /replay item (\d+)$/;

/** What the replay stage made of each job, for the check that every frame was scanned. */
export interface ReplayRecord { item: number; frames: number; width: number; height: number }

export function replayStage(set: ReplaySet, models: ModelSource, records: Map<string, ReplayRecord>): Stage {
  return {
    stage: "DECODING",
    async run(ctx: StageContext) {
      const match = ITEM.exec(ctx.job.prompt);
      const item = match ? replayItem(set, Number(match[1])) : undefined;
      if (!match || !item) throw new Error(`job ${ctx.job.id} is not a replay job: ${ctx.job.prompt}`);
      const dir = await mkdtemp(join(tmpdir(), `kinema-replay-${ctx.job.id}-`));
      ctx.onCleanup(() => rm(dir, { recursive: true, force: true }));
      const source = join(set.testdata, item.path);
      const path = join(dir, "frames.rgb");
      let raw: Omit<RawFrames, "sha256">;
      if (item.kind === "image") {
        // as the frame-golden test reads an image: sharp's raw pixels, alpha dropped
        const { data, info } = await sharp(source).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        await writeFile(path, Buffer.concat(Array.from({ length: IMAGE_FRAMES }, () => data)));
        raw = { path, width: info.width, height: info.height, fps: 8, count: IMAGE_FRAMES };
      } else {
        const video = await decodeVideoToRawFrames(source, path);
        raw = { path, width: video.width, height: video.height, fps: video.fps ?? 30, count: video.count };
      }
      const frames: RawFrames = { ...raw, sha256: await sha256File(path) };
      records.set(ctx.job.id, { item: Number(match[1]), frames: frames.count, width: frames.width, height: frames.height });
      ctx.throwIfStopped();
      const encoded = await encodeMp4(frames, {
        path: join(dir, "clip.mp4"), width: ctx.job.width, height: ctx.job.height, fps: ctx.job.fps, durationSeconds: ctx.job.durationSeconds,
      });
      // signing names the model that "made" the clip: the configured one, as for a generated clip
      Object.assign(ctx.outputs, { frames, encoded, model: await models.get() });
      await ctx.progress({ metadata: { replay: { item: item.path, frames: frames.count, width: frames.width, height: frames.height } } });
    },
  };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

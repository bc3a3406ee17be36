// Output variants through the real pipeline (onnxruntime, ffmpeg, c2pa-node, the disk store, the API's
// signed URLs): a delivered job's poster and spritesheet are JPEGs of the declared sizes and layout made
// from frames the post-filter scanned, each with C2PA credentials that verify with the signed clip as
// their parent ingredient; an image whose credentials do not verify is never delivered; a blocked job has
// neither; the orphan sweep keeps what a row points at and removes an older lease's.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { decodeToRawFrames } from "../src/engine/decode.js";
import { denoise } from "../src/engine/denoise.js";
import { geometryFor } from "../src/engine/geometry.js";
import { LoadedModel } from "../src/engine/runtime.js";
import { posterFrame, spriteFrames, spritesheetLayout } from "../src/engine/variants.js";
import type { ProvenanceSigner } from "../src/provenance/signer.js";
import { verifyFile } from "../src/provenance/verify.js";
import { pdqHash } from "../src/safety/pdq/index.js";
import { readFrames, sampledFrames } from "../src/safety/scan/index.js";
import { parseJobObjectKey, posterKey, spritesheetKey } from "../src/storage/job-objects.js";
import { sweepOrphanObjects } from "../src/storage/orphans.js";
import { productionStages } from "../workers/stages/index.js";
import { waitFor, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { withEngine as withEngineOn, type StagesOf } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";
import { deliveredObjectKeys, settledJobObjectKeys } from "./helpers/objects.js";

const run = promisify(execFile);
/** the API key of the account `submit` used last (for the CLI) */
let lastKey = "";
let db: TestDatabase;
let pool: pg.Pool;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  dir = await mkdtemp(join(tmpdir(), "kinema-variants-"));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const PROMPT = "an orange kite over green hills";
const PROVENANCE = "provenance { state actions claimGenerator }";
const JOB = `query($id: ID!) { job(id: $id) { status error { code message } video {
  url width height frames posterUrl poster { url width height bytes ${PROVENANCE} }
  spritesheet { url columns rows frameWidth frameHeight frames bytes ${PROVENANCE} } } } }`;

const withEngine = (body: (app: TestKinema & { dataDir: string }) => Promise<void>, env: Record<string, string> = {}, stages?: StagesOf) =>
  withEngineOn(db.url, env, body, stages);

async function submit(app: TestKinema, seed: number) {
  const account = await app.account("FREE");
  lastKey = account.key;
  const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: PROMPT, durationSeconds: 2, resolution: "R480P", seed } });
  const id = generateVideo.job.id as string;
  const job = await waitFor(async () => {
    const { job } = await account.client.data(JOB, { id });
    return ["SUCCEEDED", "FAILED", "BLOCKED"].includes(job.status) ? job : null;
  }, 90_000, "the job to end");
  const { rows: [row] } = await pool.query(`SELECT fencing_token, video, metadata FROM jobs WHERE id = $1`, [id]);
  return { id, job, row };
}

/** Fetches a signed URL into a file; the response's type and size must be what the API says. */
async function download(url: string, file: string, bytes: number): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("image/jpeg");
  const data = Buffer.from(await response.arrayBuffer());
  expect(data.length).toBe(bytes);
  await writeFile(file, data);
  return data;
}

/** What ffprobe decodes the file as. */
async function probe(file: string): Promise<{ codec_name: string; width: number; height: number }> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "json", file]);
  return JSON.parse(stdout).streams[0];
}

/** The mean of each tile's pixels (grey, 8 bit), decoding the spritesheet with ffmpeg. */
async function tileMeans(file: string, s: { columns: number; rows: number; frameWidth: number; frameHeight: number }): Promise<number[]> {
  const { stdout } = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"], { encoding: "buffer", maxBuffer: 1 << 26 });
  const width = s.columns * s.frameWidth;
  const means: number[] = [];
  for (let r = 0; r < s.rows; r++) {
    for (let c = 0; c < s.columns; c++) {
      let sum = 0;
      for (let y = 0; y < s.frameHeight; y++) for (let x = 0; x < s.frameWidth; x++) sum += stdout[(r * s.frameHeight + y) * width + c * s.frameWidth + x]!;
      means.push(sum / (s.frameWidth * s.frameHeight));
    }
  }
  return means;
}

describe("choosing the frames", () => {
  it("takes the poster a third of the way in and up to 16 evenly spaced tiles, all from the scanned frames", () => {
    expect(posterFrame(sampledFrames(16), 16)).toBe(5); // 15 / 3
    expect(posterFrame(sampledFrames(80), 80)).toBe(25); // 79 / 3 = 26.3; scanned: ..., 25, 30, ...
    expect(spriteFrames(sampledFrames(16))).toEqual([0, 5, 10, 15]);
    const long = spriteFrames(sampledFrames(240)); // a 30 s clip at 8 model frames a second: 49 scanned
    expect(long).toHaveLength(16);
    expect(long[0]).toBe(0);
    expect(long.at(-1)).toBe(239);
    for (const f of long) expect(sampledFrames(240)).toContain(f);
    expect(spritesheetLayout(16, 854, 480)).toEqual({ columns: 4, rows: 4, frameWidth: 160, frameHeight: 90, frames: 16 });
    expect(spritesheetLayout(5, 1280, 720)).toEqual({ columns: 3, rows: 2, frameWidth: 160, frameHeight: 90, frames: 5 });
    expect(spritesheetLayout(4, 120, 90)).toMatchObject({ frameWidth: 120, frameHeight: 90 }); // never enlarged
  });

  it("keys posters and spritesheets by job and lease, like the clip", () => {
    const job = "0b5f4f3e-2a8c-4c1e-9f7a-3d2b1c0a9e8d";
    expect(parseJobObjectKey(posterKey(job, 7))).toEqual({ kind: "posters", jobId: job, fencingToken: 7 });
    expect(parseJobObjectKey(spritesheetKey(job, 12))).toEqual({ kind: "spritesheets", jobId: job, fencingToken: 12 });
    expect(parseJobObjectKey(`posters/${job}/7.png`)).toBeNull();
    expect(parseJobObjectKey(`posters/${job}.jpg`)).toBeNull();
  });
});

describe("output variants", () => {
  it("delivers a signed poster and spritesheet of the declared sizes, made from scanned frames, the clip their ingredient", () => withEngine(async (app) => {
    const { id, job, row } = await submit(app, 41);
    expect(job.status).toBe("SUCCEEDED");
    const { video } = job;
    const token = Number(row.fencing_token);

    // The poster: a JPEG frame at the clip's size, the scanned frame nearest a third in (16 frames: 5).
    expect(video.posterUrl).toBe(video.poster.url);
    expect(video.posterUrl).toContain(`/files/${posterKey(id, token)}?`);
    expect(video.poster).toMatchObject({ width: 854, height: 480, provenance: { state: "Trusted", actions: ["c2pa.opened", "c2pa.converted"] } });
    expect(row.metadata.variants.posterFrame).toBe(5);
    const posterFile = join(app.dataDir, "poster.jpg");
    const poster = await download(video.posterUrl, posterFile, video.poster.bytes);
    expect(await probe(posterFile)).toEqual({ codec_name: "mjpeg", width: 854, height: 480 });

    // The spritesheet: the declared grid of tiles of the declared size, every tile a frame (not the
    // black padding of an empty cell: the tiny model's frames are noise around mid-grey).
    const sheet = video.spritesheet;
    expect(sheet).toMatchObject({ columns: 2, rows: 2, frameWidth: 160, frameHeight: 90, frames: 4, provenance: { state: "Trusted" } });
    expect(sheet.columns * sheet.rows).toBeGreaterThanOrEqual(sheet.frames);
    expect(sheet.url).toContain(`/files/${spritesheetKey(id, token)}?`);
    expect(row.metadata.variants.spriteFrames).toEqual(sampledFrames(16)); // only frames the classifiers scanned
    expect(row.metadata.postfilter.samples.map((s: { frame: number }) => s.frame)).toEqual(sampledFrames(16));
    const sheetFile = join(app.dataDir, "spritesheet.jpg");
    await download(sheet.url, sheetFile, sheet.bytes);
    expect(await probe(sheetFile)).toEqual({ codec_name: "mjpeg", width: sheet.columns * sheet.frameWidth, height: sheet.rows * sheet.frameHeight });
    for (const mean of await tileMeans(sheetFile, sheet)) expect(mean).toBeGreaterThan(20);

    // The poster's own credentials verify against the anchor, with the delivered clip as parent ingredient.
    const root = await readFile(join(app.dataDir, "certs", "root.pem"), "utf8");
    const clipFile = join(app.dataDir, "clip.mp4");
    await writeFile(clipFile, Buffer.from(await (await fetch(video.url)).arrayBuffer()));
    const clip = await verifyFile(clipFile, { trustAnchorsPem: root });
    const verified = await verifyFile(posterFile, { trustAnchorsPem: root, mimeType: "image/jpeg" });
    expect(verified).toMatchObject({ state: "Trusted", codes: [], actions: ["c2pa.opened", "c2pa.converted"] });
    expect(verified.kinema).toMatchObject({ jobId: id, rendition: "poster", width: 854, height: 480, frames: "5" });
    const ingredients = verified.manifest?.ingredients ?? [];
    expect(ingredients).toHaveLength(1);
    expect(ingredients[0]).toMatchObject({ title: `kinema-${id}.mp4`, format: "video/mp4", relationship: "parentOf" });
    // the ingredient is this clip: its manifest is the clip's active manifest, AI-generated by the model
    expect(ingredients[0]!.active_manifest).toBe(clip.manifest?.label);
    expect(clip.actions).toEqual(["c2pa.created"]);
    const sheetVerified = await verifyFile(sheetFile, { trustAnchorsPem: root, mimeType: "image/jpeg" });
    expect(sheetVerified).toMatchObject({ state: "Trusted", kinema: { rendition: "spritesheet", frames: sampledFrames(16).join(",") } });
    expect(sheetVerified.manifest?.ingredients?.[0]?.active_manifest).toBe(clip.manifest?.label);

    // One flipped byte in the poster's image data breaks its credentials.
    const tampered = Buffer.from(poster);
    tampered[tampered.length - 100] = tampered[tampered.length - 100]! ^ 0xff;
    await writeFile(posterFile, tampered);
    expect((await verifyFile(posterFile, { trustAnchorsPem: root, mimeType: "image/jpeg" })).state).toBe("Invalid");

    // Stored next to the clip under this lease's keys; the orphan sweep keeps what the row points at and
    // removes an older lease's poster and spritesheet.
    const delivered = deliveredObjectKeys(row.video);
    expect(delivered).toEqual([posterKey(id, token), spritesheetKey(id, token), `videos/${id}/${token}.mp4`]);
    expect(await settledJobObjectKeys(app.kinema.store, id, delivered)).toEqual(delivered);
    await app.kinema.store.put(posterKey(id, token - 1), Buffer.from("stale"), "image/jpeg");
    await app.kinema.store.put(spritesheetKey(id, token - 1), Buffer.from("stale"), "image/jpeg");
    const swept = await sweepOrphanObjects(pool, app.kinema.store, { temporariesOlderThanMs: 0 });
    expect(swept.removed.filter((k) => k.includes(id)).sort()).toEqual([posterKey(id, token - 1), spritesheetKey(id, token - 1)]);
    expect(await settledJobObjectKeys(app.kinema.store, id, delivered)).toEqual(delivered);
    // The CLI saves the poster: `kinema job <id> --poster FILE`, the same bytes the API serves.
    const saved = join(app.dataDir, "cli-poster.jpg");
    const cli = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "job", id, "--poster", saved], {
      env: { ...process.env, KINEMA_URL: app.url, KINEMA_API_KEY: lastKey },
    });
    expect(cli.stdout).toMatch(/^spritesheet +http/m);
    expect((await readFile(saved)).equals(poster)).toBe(true);
    // A signed poster URL serves to anyone holding it, like the clip's; a tampered one does not.
    const forged = new URL(video.posterUrl);
    forged.searchParams.set("signature", `${forged.searchParams.get("signature")}x`);
    expect((await fetch(forged)).status).toBe(403);
  }), 240_000);

  it("never delivers an image whose credentials do not verify: PROVENANCE_INVALID, nothing stored", async () => {
    // The production pipeline, with a signer that damages every signed JPEG after signing it (the clip's
    // MP4 signs and verifies as usual).
    const damaging: StagesOf = (deps) => {
      const inner = deps.signing.signer;
      const signer: ProvenanceSigner = {
        async sign(input, output, manifest, options) {
          await inner.sign(input, output, manifest, options);
          if (options?.mimeType !== "image/jpeg") return;
          const file = await readFile(output);
          file[file.length - 100] = file[file.length - 100]! ^ 0xff;
          await writeFile(output, file);
        },
      };
      return productionStages({ ...deps, signing: { ...deps.signing, signer } });
    };
    await withEngine(async (app) => {
      const { id, job, row } = await submit(app, 42);
      expect(job).toMatchObject({ status: "FAILED", error: { code: "PROVENANCE_INVALID" }, video: null });
      expect(job.error.message).toMatch(/the signed poster does not verify: Invalid/);
      expect(row.video).toBeNull();
      expect(row.metadata.provenance.state).toBe("Trusted"); // the clip itself was fine
      expect(await settledJobObjectKeys(app.kinema.store, id, [])).toEqual([]);
    }, {}, damaging);
  }, 240_000);

  it("makes no poster or spritesheet of a blocked clip", async () => {
    // The hash bank holds the PDQ hash of the very frame the poster would show (frame 5 of 16).
    const model = await LoadedModel.load("models/kinema-tiny", "cpu", 1);
    let frame: { hash: string; quality: number };
    try {
      const geometry = geometryFor({ resolution: "R480P", durationSeconds: 2, fps: 24 }, model.manifest, "cpu");
      const latent = await denoise({ model, prompt: PROMPT, seed: 43, steps: 30, sampler: "flow-euler", guidance: model.manifest.sampler.guidanceScale, geometry, onStep: async () => {} });
      const frames = await decodeToRawFrames(model, latent, geometry, join(dir, "frames.rgb"));
      const [rgb] = await readFrames(frames, [posterFrame(sampledFrames(frames.count), frames.count)]);
      frame = pdqHash(rgb!, frames.width, frames.height);
    } finally {
      await model.release();
    }
    expect(frame.quality).toBeGreaterThanOrEqual(50);
    const bank = join(dir, "bank.txt");
    await writeFile(bank, `# test bank\n${frame.hash},variants-test\n`);
    await withEngine(async (app) => {
      const { id, job, row } = await submit(app, 43);
      expect(job).toMatchObject({ status: "BLOCKED", video: null });
      expect(row.metadata.variants).toBeUndefined();
      expect(await settledJobObjectKeys(app.kinema.store, id, [])).toEqual([]);
    }, { KINEMA_HASH_BANK: bank });
  }, 240_000);
});

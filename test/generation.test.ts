// Generation through the real worker pipeline: onnxruntime runs kinema-tiny, ffmpeg encodes the MP4,
// the API serves it through a signed URL. Budgets, determinism, previews, cancel.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor, type TestKinema } from "./helpers/app.js";
import { startEngineKinema, JOB_STATE } from "./helpers/engine.js";
import { collect, GENERATE, PROGRESS } from "./helpers/graphql.js";
import { boxPayload } from "./helpers/mp4.js";

const run = promisify(execFile);
let db: TestDatabase;
let app: TestKinema & { dataDir: string };
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startEngineKinema(db.url);
  pool = createPool(db.url, 2);
});
afterAll(async () => {
  await pool?.end();
  await app?.stop();
  await db?.drop();
});

async function finished(client: TestKinema["client"] extends (k: string) => infer C ? C : never, id: string) {
  return waitFor(async () => {
    const { job } = await client.data(JOB_STATE, { id });
    return ["SUCCEEDED", "FAILED", "CANCELLED"].includes(job.status) ? job : null;
  }, 60_000, `job ${id} to finish`);
}

async function metadata(id: string) {
  return (await pool.query(`SELECT metadata FROM jobs WHERE id = $1`, [id])).rows[0].metadata;
}

/** The payload of an MP4's top-level `mdat` box: the encoded frames. */
const mdat = (file: Buffer) => boxPayload(file, "mdat");

async function probe(path: string) {
  const { stdout } = await run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
    "-show_entries", "stream=codec_name,width,height,r_frame_rate,nb_read_frames,pix_fmt:format=duration", "-of", "json", path]);
  const json = JSON.parse(stdout);
  return { ...json.streams[0], duration: Number(json.format.duration) };
}

describe("generation", () => {
  it("turns a FREE prompt into a playable MP4 after exactly 30 steps, served by a signed URL", async () => {
    const free = await app.account("FREE");
    const { generateVideo } = await free.client.data(GENERATE, { input: { prompt: "a red circle moving left on a blue background", durationSeconds: 2, resolution: "R480P", seed: 1 } });
    const job = await finished(free.client, generateVideo.job.id);
    expect(job).toMatchObject({ status: "SUCCEEDED", stepsCompleted: 30, video: { width: 854, height: 480, frames: 48, fps: 24 } });
    const meta = await metadata(job.id);
    expect(meta.denoise).toMatchObject({ steps: 30, stepsExecuted: 30, resumedFromStep: 0, model: "kinema-tiny", sampler: "flow-euler" });
    expect(meta.denoise.stepMs).toHaveLength(30);

    const response = await fetch(job.video.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("video/mp4");
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBe(job.video.bytes);
    const file = join(app.dataDir, "download.mp4");
    await writeFile(file, bytes);
    const info = await probe(file);
    expect(info).toMatchObject({ codec_name: "h264", width: 854, height: 480, pix_fmt: "yuv420p", r_frame_rate: "24/1", nb_read_frames: "48" });
    expect(info.duration).toBeCloseTo(2, 1);
    // faststart: the index (moov) comes before the media (mdat), so playback starts before the download ends.
    expect(bytes.indexOf("moov")).toBeGreaterThan(0);
    expect(bytes.indexOf("moov")).toBeLessThan(bytes.indexOf("mdat"));

    // A tampered or expired link is refused.
    const tampered = new URL(job.video.url);
    tampered.searchParams.set("signature", `${tampered.searchParams.get("signature")}x`);
    expect((await fetch(tampered)).status).toBe(403);
    const expired = new URL(job.video.url);
    expired.searchParams.set("expires", "1");
    expect((await fetch(expired)).status).toBe(403);
  });

  it("runs exactly 50 steps for PLUS, at the job's size and frame rate", async () => {
    const plus = await app.account("PLUS");
    const { generateVideo } = await plus.client.data(GENERATE, { input: { prompt: "a green square bouncing", durationSeconds: 1, resolution: "R1080P", seed: 2 } });
    const job = await finished(plus.client, generateVideo.job.id);
    expect(job).toMatchObject({ status: "SUCCEEDED", stepsCompleted: 50, video: { width: 1920, height: 1080, frames: 24 } });
    expect((await metadata(job.id)).denoise).toMatchObject({ steps: 50, stepsExecuted: 50 });
  });

  it("gives the same video, bit for bit, for the same seed, prompt and settings; another seed differs", async () => {
    const account = await app.account("FREE");
    const submit = async (seed: number) => {
      const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a blue triangle rotating", durationSeconds: 1, resolution: "R480P", seed } });
      return finished(account.client, generateVideo.job.id);
    };
    const [a, b, c] = [await submit(7), await submit(7), await submit(8)];
    const [ma, mb, mc] = [await metadata(a.id), await metadata(b.id), await metadata(c.id)];
    expect(ma.decode.framesSha256).toBe(mb.decode.framesSha256);
    expect(ma.decode.framesSha256).not.toBe(mc.decode.framesSha256);
    // The delivered files differ only by their C2PA manifests (job id, time): the encoded video is the same.
    const download = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());
    const [fa, fb] = [await download(a.video.url), await download(b.video.url)];
    expect(mdat(fa).equals(mdat(fb))).toBe(true);
    expect(mdat(fa).length).toBeGreaterThan(10_000);
  });

  it("streams every step in order with previews every 5 steps", async () => {
    const account = await app.account("FREE");
    const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a yellow 7 growing", durationSeconds: 1, resolution: "R480P", seed: 3 } });
    const socket = account.client.socket();
    // A preview is fetched as soon as it is announced: a job's previews are removed once it succeeds (only
    // the delivered clip stays), so fetched after the end the answer would race that removal.
    let previewFetch: Promise<Response> | null = null;
    const onEvent = (e: any) => { if (e.jobProgress.previewUrl && !previewFetch) previewFetch = fetch(e.jobProgress.previewUrl); };
    const events = (await collect<any>(socket, PROGRESS, { id: generateVideo.job.id }, onEvent).done).map((e) => e.jobProgress);
    await socket.dispose();
    // The worker may be a few steps in before the socket subscribes; from there on, every step.
    const steps = events.filter((e) => e.stage === "DENOISING" && e.step > 0).map((e) => e.step);
    expect(steps.at(-1)).toBe(30);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => steps[0] + i));
    const withPreview = events.filter((e) => e.previewUrl);
    expect(withPreview.length).toBeGreaterThanOrEqual(4);
    const preview = (await (previewFetch as Promise<Response> | null))!;
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await preview.arrayBuffer()).subarray(1, 4).toString()).toBe("PNG");
    expect(events.at(-1)).toMatchObject({ status: "SUCCEEDED", stage: "DONE" });
  });

  it("shows a client that connects mid-run the latest preview, and stops between steps on cancel", async () => {
    const account = await app.account("FREE");
    // A long clip makes steps slow enough to act between them.
    const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a square moving up", durationSeconds: 10, resolution: "R480P", seed: 4 } });
    const id = generateVideo.job.id;
    await waitFor(async () => (await pool.query(`SELECT steps_completed FROM jobs WHERE id = $1`, [id])).rows[0].steps_completed >= 6, 30_000, "6 steps");
    const socket = account.client.socket();
    const stream = collect<any>(socket, PROGRESS, { id });
    await waitFor(async () => stream.events.length > 0, 5_000, "first event");
    expect(stream.events[0].jobProgress.previewUrl).toMatch(new RegExp(`/files/previews/${id}/\\d+-\\d+\\.png\\?`));
    await account.client.data(`mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`, { id });
    const stepsAtCancel = (await pool.query(`SELECT steps_completed FROM jobs WHERE id = $1`, [id])).rows[0].steps_completed;
    const events = await stream.done;
    await socket.dispose();
    expect(events.at(-1).jobProgress.status).toBe("CANCELLED");
    const { rows } = await pool.query(`SELECT steps_completed, video FROM jobs WHERE id = $1`, [id]);
    expect(rows[0].steps_completed - stepsAtCancel).toBeLessThanOrEqual(1);
    expect(rows[0].video).toBeNull();
  });
});

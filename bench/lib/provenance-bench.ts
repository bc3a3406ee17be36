// C2PA cost per delivered clip: sign (LocalSigner, in its worker thread, as the SIGNING stage does) and
// verify (verifyFile against the dev root) of 10 s clips at 854x480 and 1920x1080 (ffmpeg testsrc2,
// libx264 veryfast, like the real encoder). Both scale with the file size: signing hashes the whole MP4
// (the BMFF hash) and writes a copy, verifying hashes it again. One warm-up sign starts the worker.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import { createDevChain } from "../../src/provenance/certs.js";
import { buildManifest } from "../../src/provenance/manifest.js";
import { LocalSigner } from "../../src/provenance/signer.js";
import { acceptable, verifyFile } from "../../src/provenance/verify.js";
import { benchSize } from "./quick.js";
import { percentile, round } from "./stats.js";

const run = promisify(execFile);
const ROUNDS = benchSize("BENCH_PROVENANCE_ROUNDS", { full: 7, quick: 1 });
const CASES = [
  { key: "480p_10s", resolution: "R480P", width: 854, height: 480 },
  { key: "1080p_10s", resolution: "R1080P", width: 1920, height: 1080 },
];

/** Median sign and verify milliseconds, and the clip sizes in bytes, per case. */
export async function measureProvenance(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), "kinema-bench-provenance-"));
  const chain = await createDevChain(join(dir, "certs"));
  const anchors = await readFile(chain.root, "utf8");
  const signer = await LocalSigner.fromFiles(chain.chain, chain.key);
  const out: Record<string, number> = {};
  try {
    for (const c of CASES) {
      const clip = join(dir, `${c.key}.mp4`);
      await run(ffmpegPath(), ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${c.width}x${c.height}:rate=24`,
        "-t", "10", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", clip]);
      const manifest = buildManifest({
        jobId: `bench-${c.key}`, modelId: "kinema-tiny", modelVersion: "bench", modelHash: "0".repeat(64),
        stepsExecuted: 50, resolution: c.resolution, width: c.width, height: c.height, safety: { prefilter: "not-run", postfilter: "not-run" },
      });
      const signed = join(dir, `${c.key}.signed.mp4`);
      await signer.sign(clip, signed, manifest); // warm-up: worker start, first-use costs
      const signMs: number[] = [];
      const verifyMs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        let start = performance.now();
        await signer.sign(clip, signed, manifest);
        signMs.push(performance.now() - start);
        start = performance.now();
        const result = await verifyFile(signed, { trustAnchorsPem: anchors });
        verifyMs.push(performance.now() - start);
        if (!acceptable(result, true)) throw new Error(`bench clip ${c.key} does not verify: ${result.state} ${result.codes.join(", ")}`);
      }
      out[`sign_ms_${c.key}`] = round(percentile(signMs, 50));
      out[`verify_ms_${c.key}`] = round(percentile(verifyMs, 50));
      out[`bytes_${c.key}`] = (await stat(clip)).size;
      out[`signed_bytes_${c.key}`] = (await stat(signed)).size;
    }
  } finally {
    await signer.close();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

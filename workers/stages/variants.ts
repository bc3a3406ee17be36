// SIGNING, second half: the output variants (src/engine/variants.ts), a poster and a spritesheet made from
// the raw frames after the post-filter passed them (and only from frames its classifiers scanned), each
// signed with its own C2PA manifest whose parent ingredient is the signed clip, then read back and
// verified like the clip: an image whose credentials do not verify ends the job FAILED with
// PROVENANCE_INVALID and nothing is stored ("no valid credentials, no delivery", as for the clip).
// A blocked job never gets here: the post-filter throws before SIGNING, so no image of it is ever made.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { encodePoster, encodeSpritesheet, posterFrame, spriteFrames } from "../../src/engine/variants.js";
import { buildRenditionManifest, clipIngredient, type RenditionKind } from "../../src/provenance/rendition.js";
import { acceptable, verifyFile } from "../../src/provenance/verify.js";
import { sampledFrames } from "../../src/safety/scan/index.js";
import { JobError } from "../../src/queue/errors.js";
import type { Stage, StageContext } from "../pipeline.js";
import type { SignStageDeps } from "./sign.js";

const JPEG = "image/jpeg";

export function variantsStage(deps: SignStageDeps): Stage {
  return {
    stage: "SIGNING",
    async run(ctx: StageContext) {
      const { frames, encoded, provenance } = ctx.outputs;
      if (!frames || !encoded || !provenance || ctx.outputs.safety?.postfilter !== "passed") {
        throw new Error("the variants need frames that passed the POSTFILTER and the signed clip");
      }
      const started = performance.now();
      const dir = dirname(encoded.path);
      const scanned = sampledFrames(frames.count);
      const poster = await encodePoster(frames, posterFrame(scanned, frames.count), { path: join(dir, "poster.jpg"), width: encoded.width, height: encoded.height });
      const sheet = await encodeSpritesheet(frames, spriteFrames(scanned), encoded, join(dir, "spritesheet.jpg"));
      ctx.throwIfStopped();
      const sign = (kind: RenditionKind, path: string, width: number, height: number, shown: number[]) =>
        signImage(deps, { jobId: ctx.job.id, kind, path, width, height, frames: shown, clipPath: encoded.path });
      const posterCredentials = await sign("poster", poster.path, poster.width, poster.height, [poster.frame]);
      const sheetCredentials = await sign("spritesheet", sheet.path, sheet.width, sheet.height, sheet.frameIndices);
      ctx.outputs.variants = {
        poster: { ...poster, path: posterCredentials.path, bytes: posterCredentials.bytes, provenance: posterCredentials.provenance },
        spritesheet: { ...sheet, path: sheetCredentials.path, bytes: sheetCredentials.bytes, provenance: sheetCredentials.provenance },
      };
      await ctx.progress({
        metadata: { variants: { posterFrame: poster.frame, spriteFrames: sheet.frameIndices, ms: Math.round(performance.now() - started) } },
      });
    },
  };
}

async function signImage(deps: SignStageDeps, image: { jobId: string; kind: RenditionKind; path: string; width: number; height: number; frames: number[]; clipPath: string }) {
  const signedPath = image.path.replace(/\.jpg$/, ".signed.jpg");
  const manifest = buildRenditionManifest({
    jobId: image.jobId, kind: image.kind, mimeType: JPEG, width: image.width, height: image.height, frames: image.frames,
    contentHash: createHash("sha256").update(await readFile(image.path)).digest("hex"),
  });
  try {
    await deps.signer.sign(image.path, signedPath, manifest, { mimeType: JPEG, ingredients: [clipIngredient(image.jobId, image.clipPath)] });
  } catch (error) {
    throw new JobError("SIGNING_FAILED", `signing the ${image.kind} failed: ${(error as Error).message}`, true, { cause: error });
  }
  const result = await verifyFile(signedPath, { trustAnchorsPem: deps.trustAnchorsPem ?? undefined, mimeType: JPEG });
  if (!acceptable(result, deps.trustAnchorsPem !== null)) {
    throw new JobError("PROVENANCE_INVALID", `the signed ${image.kind} does not verify: ${result.state} (${result.codes.join(", ") || "no codes"})`, false);
  }
  const provenance = { state: result.state, issuer: result.issuer, signedAt: result.signedAt, claimGenerator: result.claimGenerator, actions: result.actions };
  return { path: signedPath, bytes: (await stat(signedPath)).size, provenance };
}

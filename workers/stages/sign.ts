// SIGNING: the MP4 gets a C2PA manifest (the last change to the file), then is read back and verified
// against the trust anchors. Only a file whose credentials verify goes on to UPLOADING; anything else
// ends the job FAILED with PROVENANCE_INVALID and nothing is stored.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { buildManifest } from "../../src/provenance/manifest.js";
import type { ProvenanceSigner } from "../../src/provenance/signer.js";
import { acceptable, verifyFile } from "../../src/provenance/verify.js";
import { JobError } from "../../src/queue/errors.js";
import type { Stage, StageContext } from "../pipeline.js";

export interface SignStageDeps {
  signer: ProvenanceSigner;
  /** PEM of the trust anchors; null when none are configured */
  trustAnchorsPem: string | null;
}

export function signStage(deps: SignStageDeps): Stage {
  return {
    stage: "SIGNING",
    async run(ctx: StageContext) {
      const { encoded, model } = ctx.outputs;
      if (!encoded || !model) throw new Error("SIGNING needs the DECODING stage's MP4");
      const { job } = ctx;
      const signedPath = encoded.path.replace(/\.mp4$/, ".signed.mp4");
      const manifest = buildManifest({
        jobId: job.id, modelId: model.manifest.id, modelVersion: model.manifest.version, modelHash: model.hash,
        contentHash: createHash("sha256").update(await readFile(encoded.path)).digest("hex"),
        stepsExecuted: job.stepBudget, resolution: job.resolution, width: encoded.width, height: encoded.height,
        safety: { prefilter: (job.metadata.prefilter as { verdict?: string } | undefined)?.verdict ?? "not-run", postfilter: "not-run", ...ctx.outputs.safety },
      });
      const signStart = performance.now();
      try {
        await deps.signer.sign(encoded.path, signedPath, manifest);
      } catch (error) {
        throw new JobError("SIGNING_FAILED", `signing the clip failed: ${(error as Error).message}`, true, { cause: error });
      }
      const signMs = performance.now() - signStart;
      const verifyStart = performance.now();
      const result = await verifyFile(signedPath, { trustAnchorsPem: deps.trustAnchorsPem ?? undefined });
      const verifyMs = performance.now() - verifyStart;
      if (!acceptable(result, deps.trustAnchorsPem !== null)) {
        throw new JobError("PROVENANCE_INVALID", `the signed clip does not verify: ${result.state} (${result.codes.join(", ") || "no codes"})`, false);
      }
      const provenance = { state: result.state, issuer: result.issuer, signedAt: result.signedAt, claimGenerator: result.claimGenerator, actions: result.actions };
      ctx.outputs.encoded = { ...encoded, path: signedPath, bytes: (await stat(signedPath)).size };
      ctx.outputs.provenance = provenance;
      await ctx.progress({ metadata: { provenance: { ...provenance, codes: result.codes, signMs: Math.round(signMs), verifyMs: Math.round(verifyMs) } } });
    },
  };
}

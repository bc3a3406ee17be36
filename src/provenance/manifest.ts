// The C2PA manifest definition Kinema signs into each clip: who made it (Kinema, its version), that it
// was created by a trained model (the IPTC digital source type C2PA readers show as "AI generated"),
// and a Kinema assertion with what a reviewer needs to reproduce or audit the job. It deliberately
// carries no prompt text and no account identity: the file travels, and those are the customer's.
import { readFileSync } from "node:fs";

export const KINEMA_ASSERTION = "ai.kinema.generation";
export const TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

/** A short verdict per safety stage, e.g. `{ prefilter: "passed", postfilter: "not-run" }`. */
export type SafetySummary = Record<string, string | number | boolean | null>;

/** What the Kinema assertion records: the generation, never the prompt or the account. */
export interface KinemaAssertion {
  jobId: string;
  modelId: string;
  modelVersion: string;
  /** the model's content hash (sha256 of its model.json, which names every file's hash) */
  modelHash: string;
  /** sha256 of the MP4 before the manifest was embedded (the signed file differs by the manifest) */
  contentHash?: string;
  stepsExecuted: number;
  /** the job's resolution name, e.g. "R480P" */
  resolution: string;
  width: number;
  height: number;
  safety: SafetySummary;
}

export interface ManifestInput extends KinemaAssertion {
  /** defaults to `kinema-<jobId>.mp4` */
  title?: string;
  /** Kinema's version; defaults to package.json's */
  generatorVersion?: string;
}

/** The manifest definition, in the JSON shape c2pa-node 0.8's `Builder.withJson` takes. */
// a type alias, not an interface, so it is assignable to c2pa-types' `Manifest` (an index signature)
export type ManifestDefinition = {
  claim_generator_info: Array<{ name: string; version: string }>;
  title: string;
  format: "video/mp4";
  assertions: Array<
    | { label: "c2pa.actions"; data: { actions: Array<Record<string, unknown> & { action: string }> } }
    | { label: typeof KINEMA_ASSERTION; data: KinemaAssertion }
  >;
};

export function buildManifest(input: ManifestInput): ManifestDefinition {
  const kinema: KinemaAssertion = {
    jobId: input.jobId, modelId: input.modelId, modelVersion: input.modelVersion, modelHash: input.modelHash,
    ...(input.contentHash ? { contentHash: input.contentHash } : {}),
    stepsExecuted: input.stepsExecuted, resolution: input.resolution, width: input.width, height: input.height,
    safety: { ...input.safety },
  };
  return {
    // `claim_generator_info`, not the old `claim_generator` string, which c2pa-node 0.8 drops
    claim_generator_info: [{ name: "Kinema", version: input.generatorVersion ?? kinemaVersion() }],
    title: input.title ?? `kinema-${input.jobId}.mp4`,
    format: "video/mp4",
    assertions: [
      {
        // Without an actions assertion whose first action is c2pa.created the manifest reads Invalid.
        label: "c2pa.actions",
        data: {
          actions: [{
            action: "c2pa.created",
            digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
            softwareAgent: { name: input.modelId, version: input.modelVersion },
            when: new Date().toISOString(),
          }],
        },
      },
      { label: KINEMA_ASSERTION, data: kinema },
    ],
  };
}

let version: string | null = null;

/** Kinema's version from package.json, read on first use (not at import time) and kept. */
export function kinemaVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return version;
}

// The C2PA manifest of an image made from a delivered clip (its poster, its spritesheet). The clip, already
// signed, is the image's parent ingredient: c2pa-node copies the clip's manifest store into the image's,
// so a reader of the image alone sees that it was opened from an AI-generated clip, with the clip's own
// Kinema assertion. The `c2pa.opened` action must name the ingredient (c2pa-rs 0.90 reads a manifest
// whose opened action has no ingredients parameter as Invalid: assertion.action.ingredientMismatch).
import { KINEMA_ASSERTION, kinemaVersion } from "./manifest.js";
import type { SignIngredient } from "./signer.js";

const CLIP_LABEL = "clip";

export type RenditionKind = "poster" | "spritesheet";

export interface RenditionInput {
  jobId: string;
  kind: RenditionKind;
  mimeType: "image/jpeg";
  /** sha256 of the image before the manifest was embedded */
  contentHash: string;
  width: number;
  height: number;
  /** the raw frame indices the image shows */
  frames: number[];
  generatorVersion?: string;
}

export function buildRenditionManifest(input: RenditionInput): object {
  return {
    claim_generator_info: [{ name: "Kinema", version: input.generatorVersion ?? kinemaVersion() }],
    title: `kinema-${input.jobId}-${input.kind}.jpg`,
    format: input.mimeType,
    assertions: [
      {
        label: "c2pa.actions",
        data: {
          actions: [
            { action: "c2pa.opened", parameters: { ingredientIds: [CLIP_LABEL] } },
            { action: "c2pa.converted", description: input.kind === "poster" ? "a frame of the clip as a still image" : "frames of the clip tiled as a spritesheet" },
          ],
        },
      },
      {
        label: KINEMA_ASSERTION,
        // frames as text "0,5,10": c2pa-rs stores an array of small integers as a CBOR byte string, which
        // reads back as base64 ("AAUKDw==")
        data: { jobId: input.jobId, rendition: input.kind, contentHash: input.contentHash, width: input.width, height: input.height, frames: input.frames.join(",") },
      },
    ],
  };
}

/** The signed clip as the image's parent ingredient. */
export function clipIngredient(jobId: string, signedClipPath: string): SignIngredient {
  return { json: { title: `kinema-${jobId}.mp4`, relationship: "parentOf", label: CLIP_LABEL }, path: signedClipPath, mimeType: "video/mp4" };
}

// The production pipeline, in order. Each stage issue adds its stage here (denoise, decode, post-filter,
// sign, upload). Until then the list is empty and a worker fails jobs with NO_PIPELINE rather than
// pretending to generate anything.
import type { Stage } from "../pipeline.js";

export function productionStages(): Stage[] {
  return [];
}

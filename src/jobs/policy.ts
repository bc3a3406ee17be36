// Tier policy and output geometry. The limits are config (KINEMA_FREE_* / KINEMA_PLUS_*); the step
// budget is always the server's, from the caller's tier.
import { RESOLUTIONS, type Resolution, type Tier, type TierLimits } from "../config/config.js";

export const GEOMETRY: Record<Resolution, { width: number; height: number }> = {
  R480P: { width: 854, height: 480 },
  R720P: { width: 1280, height: 720 },
  R1080P: { width: 1920, height: 1080 },
};

export function resolutionsUpTo(max: Resolution): Resolution[] {
  return RESOLUTIONS.slice(0, RESOLUTIONS.indexOf(max) + 1);
}

export function allowsResolution(limits: TierLimits, resolution: Resolution): boolean {
  return RESOLUTIONS.indexOf(resolution) <= RESOLUTIONS.indexOf(limits.maxResolution);
}

export type TierPolicy = Record<Tier, TierLimits>;

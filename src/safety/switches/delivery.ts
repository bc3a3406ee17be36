// The face hold (a kill switch): while `holdFaceClips` is on, a finished clip in which the post-filter
// saw a face (metadata.postfilter.faces.detected, recorded by POSTFILTER for every clip it passes) is not
// delivered: the API signs no URL for it and says why. The decision is made at read time from the
// switch in force, not stored, so turning the switch off releases every held clip at once, without
// generating anything again; the worker's metadata.delivery.held only records that it was held when done.

export interface DeliveryHold { code: "FACE_HOLD"; message: string }

export const FACE_HOLD: DeliveryHold = {
  code: "FACE_HOLD",
  message: "Delivery of videos showing a face is paused for now. This video is kept and will be available when delivery resumes.",
};

/** Whether the post-filter recorded a face in the clip of this job's metadata. */
export function clipHasFace(metadata: unknown): boolean {
  const faces = (metadata as { postfilter?: { faces?: { detected?: unknown } } } | null)?.postfilter?.faces;
  return faces?.detected === true;
}

/** The hold on this job's video under these switches, or null when it may be delivered. */
export function deliveryHold(job: { video: unknown; metadata: unknown }, switches: { holdFaceClips: boolean }): DeliveryHold | null {
  if (!switches.holdFaceClips || job.video === null || job.video === undefined) return null;
  return clipHasFace(job.metadata) ? FACE_HOLD : null;
}

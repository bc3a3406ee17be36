// The post-filter's sampled-frame classifiers, assembled from options. The POSTFILTER stage and the
// standalone scanner build one set per process and call runClassifiers() on each sampled frame; the
// models behind them load once per process whatever the number of sets.
import { fileURLToPath } from "node:url";
import { FileGallery, type LikenessGallery } from "./gallery.js";
import { likenessClassifier, type LikenessOptions } from "./likeness.js";
import { nsfwClassifier, type NsfwOptions } from "./nsfw.js";
import type { ClassifierResult, Frame, FrameClassifier } from "./port.js";

export type { ClassifierResult, Frame, FrameClassifier } from "./port.js";
export { DEFAULT_NSFW_THRESHOLDS, NSFW_CLASSES, intimacyScore, nsfwClassifier, scaleThresholds, type NsfwOptions, type SexualClass } from "./nsfw.js";
export { DEFAULT_LIKENESS_THRESHOLD, countFaces, describeFaces, likenessClassifier, type DescribedFace, type LikenessOptions } from "./likeness.js";
export { FileGallery, MemoryGallery, formatGalleryLine, type GalleryEntry, type LikenessGallery } from "./gallery.js";
export { violenceClassifier, type ViolenceModel } from "./violence.js";

/** The shipped gallery: empty (see the file), so likeness flags nothing until the operator fills one. */
export const DEFAULT_GALLERY_PATH = fileURLToPath(new URL("./data/likeness-gallery.jsonl", import.meta.url));

export interface ClassifierSetOptions {
  /** NSFW thresholds; `false` leaves the classifier out. */
  nsfw?: NsfwOptions | false;
  /** Likeness settings; the gallery is `gallery`, else the file at `galleryPath`, else the shipped one. */
  likeness?: (Partial<LikenessOptions> & { galleryPath?: string }) | false;
}

/**
 * NSFW and likeness. Violence is not included: there is no offline model for it (see violence.ts);
 * a caller with one appends `violenceClassifier(model)` itself.
 */
export function defaultClassifiers(options: ClassifierSetOptions = {}): FrameClassifier[] {
  const set: FrameClassifier[] = [];
  if (options.nsfw !== false) set.push(nsfwClassifier(options.nsfw ?? {}));
  if (options.likeness !== false) {
    const { galleryPath, gallery, ...rest } = options.likeness ?? {};
    const source: LikenessGallery = gallery ?? new FileGallery(galleryPath ?? DEFAULT_GALLERY_PATH);
    set.push(likenessClassifier({ ...rest, gallery: source }));
  }
  return set;
}

/** Loads every classifier's model now, so the first clip does not pay for it (~1 s in all). */
export async function loadClassifiers(classifiers: readonly FrameClassifier[]): Promise<void> {
  for (const classifier of classifiers) await classifier.load?.();
}

/**
 * Every classifier's result for one frame, by classifier name. Sequential on purpose: tfjs-wasm runs
 * on one thread here, so running them concurrently would only interleave the same work.
 */
export async function runClassifiers(classifiers: readonly FrameClassifier[], frame: Frame): Promise<Record<string, ClassifierResult>> {
  const results: Record<string, ClassifierResult> = {};
  for (const classifier of classifiers) results[classifier.name] = await classifier.classify(frame);
  return results;
}

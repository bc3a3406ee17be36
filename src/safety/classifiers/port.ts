// The post-filter's image classifiers behind one port: the POSTFILTER stage and `kinema scan` hand each
// sampled frame (raw rgb24, as src/engine/decode.ts writes them) to every classifier and store every
// result for audit. Models are heavy (nsfwjs ~6 MB of weights, face-api ~7 MB), so each is loaded once
// per process, on first use, and shared by every classifier instance.

/** One decoded frame: `width * height * 3` bytes of rgb24, row-major, no padding. */
export interface Frame {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface ClassifierResult {
  /** Raw numbers for the audit record (class probabilities, face counts, distances). */
  scores: Record<string, number>;
  flagged: boolean;
  /** The policy category when flagged ("sexual", "likeness", ...), else null. */
  category: string | null;
  /** Classifier-specific, JSON-serialisable context (which class tripped, face boxes, matched label). */
  detail?: unknown;
}

export interface FrameClassifier {
  readonly name: string;
  classify(frame: Frame): Promise<ClassifierResult>;
  /** Loads the model now (e.g. at worker start) instead of on the first frame; idempotent. */
  load?(): Promise<void>;
}

/**
 * A process-wide lazy loader: the first call starts the load, later calls share its promise. A failed
 * load is forgotten so the next call retries instead of every later frame failing on a stale error.
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = null;
      throw error;
    });
    return pending;
  };
}

export function assertFrame(frame: Frame): void {
  const { rgb, width, height } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`frame size must be positive integers, got ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new RangeError(`frame of ${width}x${height} needs ${width * height * 3} rgb24 bytes, got ${rgb.length}`);
  }
}

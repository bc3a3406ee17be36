// Likeness check: detect faces with @vladmandic/face-api (its node-wasm build, which requires the same
// @tensorflow/tfjs + backend-wasm 4.22.0 we load in tf.ts, so there is one tfjs in the process), take a
// 128-d descriptor per face and flag the frame when a face is closer than the threshold to a gallery
// entry. The detector, landmark and recognition weights ship inside the npm package (model/).
//
// Measured on the package's demo photos (this machine, WASM SIMD, one thread): the same person between
// a 1920x1280 photo and its 854x480 copy is 0.06-0.27 apart; different people (one demographic, one
// photo shoot) come as close as 0.44. face-api's usual 0.6 threshold therefore flags look-alikes too.
// SSD MobileNetV1 costs ~200 ms per 480p frame (it resizes to 512x512 whatever the input) plus ~25 ms
// per face for landmarks and descriptor; the tiny detector is ~40 ms but found 14 of the 21 faces SSD found.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as FaceApi from "@vladmandic/face-api/dist/face-api.node-wasm.js";
import { nearestEntry, isMatch, type LikenessGallery } from "./gallery.js";
import { once, type ClassifierResult, type Frame, type FrameClassifier } from "./port.js";
import { frameTensor, loadTf } from "./tf.js";

const require = createRequire(import.meta.url);

export const DEFAULT_LIKENESS_THRESHOLD = 0.6;
export const DEFAULT_MIN_FACE_CONFIDENCE = 0.5;

export interface LikenessOptions {
  gallery: LikenessGallery;
  /** A face matches a gallery entry at a Euclidean distance strictly below this (default 0.6). */
  threshold?: number;
  /** Detector score a face needs to be considered (default 0.5). */
  minConfidence?: number;
  /** "ssd" (default: SSD MobileNetV1, better recall) or "tiny" (TinyFaceDetector, ~5x faster). */
  detector?: "ssd" | "tiny";
}

export interface DescribedFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  descriptor: Float32Array;
}

/** The face-api module on the shared tfjs (no network loaded yet), once per process. */
const loadFaceModule = once(async (): Promise<typeof FaceApi> => {
  await loadTf(); // the WASM backend must be active before face-api touches tfjs
  return require("@vladmandic/face-api/dist/face-api.node-wasm.js") as typeof FaceApi;
});

/** One of face-api's networks, loaded from the package's model/ folder once per process. */
function netLoader(pick: (faceapi: typeof FaceApi) => { loadFromDisk(dir: string): Promise<void> }): () => Promise<typeof FaceApi> {
  return once(async () => {
    const faceapi = await loadFaceModule();
    await pick(faceapi).loadFromDisk(join(dirname(require.resolve("@vladmandic/face-api/package.json")), "model"));
    return faceapi;
  });
}

const loadSsd = netLoader((f) => f.nets.ssdMobilenetv1); // ~5.4 MB
const loadTiny = netLoader((f) => f.nets.tinyFaceDetector); // ~190 KB
const loadLandmarks = netLoader((f) => f.nets.faceLandmark68Net);
const loadRecognition = netLoader((f) => f.nets.faceRecognitionNet); // ~6.2 MB

/** face-api with its four networks loaded, once per process. */
export const loadFaceApi = once(async (): Promise<typeof FaceApi> => {
  await Promise.all([loadSsd(), loadTiny(), loadLandmarks(), loadRecognition()]);
  return loadFaceModule();
});

/** Every face in the frame with its descriptor: what the classifier compares, and how to enrol a gallery. */
export async function describeFaces(frame: Frame, options: Pick<LikenessOptions, "minConfidence" | "detector"> = {}): Promise<DescribedFace[]> {
  const [tf, faceapi] = await Promise.all([loadTf(), loadFaceApi()]);
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_FACE_CONFIDENCE;
  const detectorOptions = options.detector === "tiny"
    ? new faceapi.TinyFaceDetectorOptions({ scoreThreshold: minConfidence })
    : new faceapi.SsdMobilenetv1Options({ minConfidence });
  const input = frameTensor(tf, frame);
  try {
    // face-api declares its own copy of the tfjs types; at runtime this is the same tfjs Tensor class.
    const faces = await faceapi.detectAllFaces(input as unknown as FaceApi.TNetInput, detectorOptions).withFaceLandmarks().withFaceDescriptors();
    return faces.map(({ detection, descriptor }) => {
      const { x, y, width, height } = detection.box;
      return { box: { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) }, score: detection.score, descriptor };
    });
  } finally {
    input.dispose();
  }
}

/**
 * How many faces the detector finds in the frame (detection only: no landmarks or descriptors; SSD
 * ~200 ms per 480p frame, the tiny detector ~40 ms). The post-filter records face presence with it when
 * the likeness classifier skipped detection (an empty gallery), for the face-hold switch and the NCII gate.
 */
export async function countFaces(frame: Frame, options: Pick<LikenessOptions, "minConfidence" | "detector"> = {}): Promise<number> {
  // only the detector asked for is loaded: the tiny one alone is ~190 KB against face-api's ~12 MB
  const [tf, faceapi] = await Promise.all([loadTf(), options.detector === "tiny" ? loadTiny() : loadSsd()]);
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_FACE_CONFIDENCE;
  const detectorOptions = options.detector === "tiny"
    ? new faceapi.TinyFaceDetectorOptions({ scoreThreshold: minConfidence })
    : new faceapi.SsdMobilenetv1Options({ minConfidence });
  const input = frameTensor(tf, frame);
  try {
    return (await faceapi.detectAllFaces(input as unknown as FaceApi.TNetInput, detectorOptions)).length;
  } finally {
    input.dispose();
  }
}

export function likenessClassifier(options: LikenessOptions): FrameClassifier {
  const threshold = options.threshold ?? DEFAULT_LIKENESS_THRESHOLD;
  if (!(Number.isFinite(threshold) && threshold > 0)) throw new RangeError(`likeness threshold must be a positive number, got ${threshold}`);
  return {
    name: "likeness",
    async load() {
      await loadFaceApi();
    },
    async classify(frame: Frame): Promise<ClassifierResult> {
      const gallery = await options.gallery.entries();
      // Nothing can match an empty gallery: skip the ~200 ms of detection per frame.
      if (gallery.length === 0) return { scores: {}, flagged: false, category: null, detail: { skipped: "empty gallery" } };
      const faces = (await describeFaces(frame, options)).map(({ box, score, descriptor }) => {
        const nearest = nearestEntry(descriptor, gallery)!;
        const match = isMatch(nearest.distance, threshold) ? nearest.label : null;
        return { box, score: round(score), distance: round(nearest.distance), match };
      });
      const matches = [...new Set(faces.flatMap((face) => (face.match === null ? [] : [face.match])))];
      const scores: Record<string, number> = { faces: faces.length };
      if (faces.length > 0) scores.minDistance = Math.min(...faces.map((face) => face.distance));
      const flagged = matches.length > 0;
      return { scores, flagged, category: flagged ? "likeness" : null, detail: { threshold, galleryEntries: gallery.length, faces, matches } };
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}

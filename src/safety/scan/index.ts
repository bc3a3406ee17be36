// The frame scanner: the every-frame CSAM hash gate over raw frames, video decoding for standalone scans,
// and the frame sampling the classifiers use.
export { checkRawFrames, forEachFrame, frameBytes, readFrames, sampledFrames, type RawFramesInput } from "./frames.js";
export {
  hashFrames,
  runHashGate,
  type FrameHash,
  type FrameResult,
  type GateMatch,
  type GateVerdict,
  type HashGateResult,
  type HashGateSummary,
} from "./gate.js";
export {
  decodeVideoToRawFrames,
  outputVideoStream,
  scanVideoFile,
  VideoDecodeError,
  withDecodedVideo,
  type DecodedVideo,
  type VideoGateResult,
} from "./video.js";
export { DEFAULT_NCII_THRESHOLD, scanClip, type ClipScan, type ClipScanDeps, type FacePresence, type Flag } from "./postfilter.js";

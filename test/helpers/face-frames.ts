// Frames for the face-presence tests (face-hold switch, NCII gate): one of face-api's demo photos
// (test/helpers/photos.ts), and the same photo with every detected face painted over in flat grey, so
// the pair differs in the faces only. Measured at 256x144 (the test clips' size) for sample5: 5 faces,
// intimacy (NSFW's highest sexual class, Porn) 0.29; painted over: 0 faces, Porn 0.39. The face-less
// frame scores higher, so a gate that blocks the first and passes the second is gating on the face.
import { describeFaces, type Frame } from "../../src/safety/classifiers/index.js";
import { facePhoto } from "./photos.js";

export const FACE_SAMPLE = 5;
/** grey margin around each detected box, in pixels (detector boxes are tight; a chin left out still reads as a face) */
const MARGIN = 4;

export function faceFrame(width: number, height: number): Promise<Frame> {
  return facePhoto(FACE_SAMPLE, width, height);
}

export async function facelessFrame(width: number, height: number): Promise<Frame> {
  const frame = await faceFrame(width, height);
  const rgb = Uint8Array.from(frame.rgb);
  for (const { box } of await describeFaces(frame)) {
    for (let y = Math.max(0, box.y - MARGIN); y < Math.min(height, box.y + box.height + MARGIN); y++) {
      for (let x = Math.max(0, box.x - MARGIN); x < Math.min(width, box.x + box.width + MARGIN); x++) rgb.fill(128, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return { rgb, width, height };
}

// The checkpoint codec: what a resumed run needs to continue exactly where a crashed one was.
// Layout: 4-byte header length, a JSON header (step, sampler, shape, RNG state, model hash), then the
// latent's float32 values, little-endian. Self-describing, so a bad or foreign file is refused.
import type { RngState } from "./rng.js";

export interface Checkpoint {
  /** denoising steps completed; the next run starts at this step */
  step: number;
  totalSteps: number;
  sampler: string;
  guidance: number;
  modelHash: string;
  shape: number[];
  rng: RngState;
  latent: Float32Array;
}

const MAGIC = "kinema-checkpoint/1";

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const header = Buffer.from(JSON.stringify({
    magic: MAGIC, step: c.step, totalSteps: c.totalSteps, sampler: c.sampler, guidance: c.guidance, modelHash: c.modelHash, shape: c.shape, rng: c.rng,
  }));
  const out = Buffer.alloc(4 + header.length + c.latent.byteLength);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  Buffer.from(c.latent.buffer, c.latent.byteOffset, c.latent.byteLength).copy(out, 4 + header.length);
  return out;
}

export function decodeCheckpoint(bytes: Buffer): Checkpoint {
  const headerLength = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString("utf8"));
  if (header.magic !== MAGIC) throw new Error("not a Kinema checkpoint");
  const count = (header.shape as number[]).reduce((a, b) => a * b, 1);
  const raw = bytes.subarray(4 + headerLength);
  if (raw.byteLength !== count * 4) throw new Error(`checkpoint latent has ${raw.byteLength} bytes, expected ${count * 4}`);
  const latent = new Float32Array(count);
  Buffer.from(latent.buffer).set(raw);
  return { step: header.step, totalSteps: header.totalSteps, sampler: header.sampler, guidance: header.guidance, modelHash: header.modelHash, shape: header.shape, rng: header.rng, latent };
}

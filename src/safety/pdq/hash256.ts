// PDQ hashes as text (64 hex digits, most significant 16-bit word first, as the reference prints them)
// and as eight 32-bit words for fast Hamming distances: word k holds hex digits 8k..8k+7. The word order
// does not matter for a distance, only that both sides use the same one.

const HEX_RE = /^[0-9a-f]{64}$/;

export const PDQ_HEX_LENGTH = 64;

/** True for a well-formed hash: 64 hex digits (either case). */
export function isPdqHash(value: string): boolean {
  return HEX_RE.test(value.toLowerCase());
}

/** Eight 32-bit words of a hash; throws on anything but 64 hex digits. */
export function hashWords(hex: string, into: Uint32Array = new Uint32Array(8), offset = 0): Uint32Array {
  const h = hex.toLowerCase();
  if (!HEX_RE.test(h)) throw new Error(`not a PDQ hash (64 hex digits): ${JSON.stringify(hex.length > 80 ? `${hex.slice(0, 80)}...` : hex)}`);
  for (let k = 0; k < 8; k++) into[offset + k] = Number.parseInt(h.slice(k * 8, k * 8 + 8), 16);
  return into;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two hashes given as hex (0..256). */
export function hammingDistance(a: string, b: string): number {
  const wa = hashWords(a);
  const wb = hashWords(b);
  let d = 0;
  for (let k = 0; k < 8; k++) d += popcount32(wa[k]! ^ wb[k]!);
  return d;
}

// The "bytes" tokenizer of the model contract: UTF-8 bytes shifted by 3 (0 pad, 1 begin, 2 end),
// truncated to maxLength. No vocabulary file, so any prompt in any script has a faithful encoding.
import type { ModelManifest } from "./manifest.js";

export interface Tokens { ids: BigInt64Array; mask: Int32Array; length: number }

export function tokenize(text: string, spec: ModelManifest["tokenizer"]): Tokens {
  const bytes = new TextEncoder().encode(text.normalize("NFC"));
  const ids = new BigInt64Array(spec.maxLength).fill(BigInt(spec.padId));
  const mask = new Int32Array(spec.maxLength);
  const body = Math.min(bytes.length, spec.maxLength - 2);
  ids[0] = BigInt(spec.bosId);
  for (let i = 0; i < body; i++) ids[i + 1] = BigInt(bytes[i]! + 3);
  ids[body + 1] = BigInt(spec.eosId);
  mask.fill(1, 0, body + 2);
  return { ids, mask, length: body + 2 };
}

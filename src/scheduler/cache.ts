// The exact-match cache's key: a request with an explicit seed whose normalised prompt, seed, resolution,
// duration, step budget, negative prompt and model hash equal a delivered job's of the same account gets that video again
// (JobService.submit). The key is stored on every job at submission (jobs.cache_key, 0004_scheduler).
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** trim, whitespace runs to one space, NFC, lower case: prompts that differ only so are one request. */
export function normalisePrompt(prompt: string): string {
  return prompt.trim().replace(/\s+/gu, " ").normalize("NFC").toLowerCase();
}

export interface CacheKeyParts {
  prompt: string; seed: number; resolution: string; durationSeconds: number; stepBudget: number; modelHash: string;
  /** part of the key only when given, so the keys of requests without one stay what they were */
  negativePrompt?: string | null;
}

export function cacheKey(p: CacheKeyParts): string {
  const parts: unknown[] = [normalisePrompt(p.prompt), p.seed, p.resolution, p.durationSeconds, p.stepBudget, p.modelHash];
  if (p.negativePrompt) parts.push({ negativePrompt: normalisePrompt(p.negativePrompt) });
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

const hashes = new Map<string, Promise<string | null>>();

/**
 * The model's hash as the engine computes it (src/engine/runtime.ts: sha256 of model.json), read once per
 * process and directory. null when there is no model.json (the cache is then off: nothing can match).
 */
export function modelHash(modelDir: string): Promise<string | null> {
  let hash = hashes.get(modelDir);
  if (!hash) {
    hash = readFile(join(modelDir, "model.json")).then((raw) => createHash("sha256").update(raw).digest("hex"), () => null);
    hashes.set(modelDir, hash);
  }
  return hash;
}

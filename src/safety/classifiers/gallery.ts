// The likeness gallery: reference face embeddings (face-api's 128-d descriptors) of people whose
// likeness must not be generated. A port, so the owner can back it by a database later; the default
// reads a JSON-lines file. Matching is plain Euclidean distance, as face-api's FaceMatcher does.
import { readFile, stat } from "node:fs/promises";

export const DESCRIPTOR_LENGTH = 128;

export interface GalleryEntry {
  label: string;
  descriptor: Float32Array;
}

export interface LikenessGallery {
  entries(): Promise<GalleryEntry[]>;
}

/** A fixed gallery (tests, benchmarks, or one built in memory by the caller). */
export class MemoryGallery implements LikenessGallery {
  private readonly list: GalleryEntry[];
  constructor(entries: GalleryEntry[]) {
    for (const entry of entries) checkDescriptor(entry.descriptor, entry.label);
    this.list = [...entries];
  }
  async entries(): Promise<GalleryEntry[]> {
    return this.list;
  }
}

/**
 * A JSON-lines file, one `{"label": "...", "descriptor": [128 numbers]}` per line; blank lines and lines
 * starting with `#` are skipped. Re-read when its mtime or size changes (one stat per call), so an
 * edited gallery applies to the next frame without a restart. A missing or malformed file throws: an
 * unreadable gallery must not silently pass every face.
 */
export class FileGallery implements LikenessGallery {
  private cached: { key: string; entries: GalleryEntry[] } | null = null;
  constructor(readonly path: string) {}

  async entries(): Promise<GalleryEntry[]> {
    const info = await stat(this.path);
    const key = `${info.mtimeMs}:${info.size}`;
    if (this.cached?.key !== key) this.cached = { key, entries: parseGallery(await readFile(this.path, "utf8"), this.path) };
    return this.cached.entries;
  }
}

export function parseGallery(text: string, source = "gallery"): GalleryEntry[] {
  const entries: GalleryEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `${source}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${where}: not JSON`, { cause: error });
    }
    const { label, descriptor } = (value ?? {}) as { label?: unknown; descriptor?: unknown };
    if (typeof label !== "string" || label === "") throw new Error(`${where}: "label" must be a non-empty string`);
    if (!Array.isArray(descriptor) || !descriptor.every((v) => typeof v === "number")) throw new Error(`${where}: "descriptor" must be an array of numbers`);
    const entry = { label, descriptor: Float32Array.from(descriptor as number[]) };
    checkDescriptor(entry.descriptor, where);
    entries.push(entry);
  });
  return entries;
}

/** One gallery line for `label`, as FileGallery reads it. */
export function formatGalleryLine(label: string, descriptor: ArrayLike<number>): string {
  return JSON.stringify({ label, descriptor: Array.from(descriptor, (v) => Number(v.toFixed(6))) });
}

export function euclideanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`descriptor lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

/** The gallery entry closest to `descriptor`, or null for an empty gallery. */
export function nearestEntry(descriptor: ArrayLike<number>, gallery: readonly GalleryEntry[]): { label: string; distance: number } | null {
  let best: { label: string; distance: number } | null = null;
  for (const entry of gallery) {
    const distance = euclideanDistance(descriptor, entry.descriptor);
    if (best === null || distance < best.distance) best = { label: entry.label, distance };
  }
  return best;
}

/** A match is a distance strictly below the threshold (face-api's FaceMatcher convention). */
export function isMatch(distance: number, threshold: number): boolean {
  return distance < threshold;
}

function checkDescriptor(descriptor: Float32Array, where: string): void {
  if (descriptor.length !== DESCRIPTOR_LENGTH) throw new Error(`${where}: descriptor has ${descriptor.length} numbers, face-api's have ${DESCRIPTOR_LENGTH}`);
  if (!descriptor.every(Number.isFinite)) throw new Error(`${where}: descriptor has a non-finite number`);
}

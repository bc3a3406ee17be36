// The ObjectStore port: checkpoints, previews and videos. Adapters: disk.ts (default, under the data
// directory) and s3.ts (any S3-compatible service). Keys are relative paths with safe characters only
// ([A-Za-z0-9._-] segments), so no key can name a place outside the store.

export interface StoredObject {
  /** the whole object's size, also when a range of it is read */
  bytes: number;
  contentType: string;
  /** a strong validator that changes when the object is replaced (HTTP ETag syntax, quotes included) */
  etag?: string;
}

/**
 * Bytes to read, as in an HTTP Range header: `start` to `end` inclusive (`end` past the last byte, or
 * left out, means to the end), or the last `suffix` bytes (all of them when the object is shorter).
 */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface OpenedObject {
  stream: NodeJS.ReadableStream;
  info: StoredObject;
  /** The bytes the stream carries, inclusive; the whole object ({ start: 0, end: bytes - 1 }) without a range. */
  range: { start: number; end: number };
}

/** One object of a listing: its key and when it was last written. */
export interface ListedObject { key: string; bytes: number; modifiedAt: Date }

export interface ObjectStore {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** Copies a local file in (large objects, such as a video, never pass through memory whole). */
  putFile(key: string, path: string, contentType: string): Promise<StoredObject>;
  get(key: string): Promise<Buffer | null>;
  /**
   * A readable stream of the object (or of `range` of it), with its size and type; null when absent.
   * A range that starts past the last byte, or `{ suffix: 0 }`, throws RangeNotSatisfiableError.
   */
  open(key: string, range?: ByteRange): Promise<OpenedObject | null>;
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix` (a plain string prefix, as S3 has it), in no set order. */
  list(prefix: string): Promise<ListedObject[]>;
  /**
   * Adapters that write through temporary files (disk) remove those under `prefix` older than
   * `olderThanMs` (a write killed half-way leaves one); returns how many. Others have nothing to remove.
   */
  removeTemporaries?(prefix: string, olderThanMs: number): Promise<number>;
  /**
   * A URL that reads the object straight from the store, without the API, until it expires. Only
   * adapters with a URL of their own have it (S3); for the others the API signs its /files/ route.
   */
  presign?(key: string, ttlSeconds: number): Promise<{ url: string; expiresAt: Date }>;
  /** The origins presign's URLs can point at (the studio's Content-Security-Policy allows media from them). */
  presignOrigins?(): string[];
}

/** A range that asks for no byte of the object (HTTP 416); `bytes` is the object's size. */
export class RangeNotSatisfiableError extends Error {
  constructor(readonly key: string, readonly bytes: number) {
    super(`range not satisfiable for ${JSON.stringify(key)} (${bytes} bytes)`);
    this.name = "RangeNotSatisfiableError";
  }
}

/** Throws on a range no HTTP Range header could express (negative, fractional, end before start). */
export function assertRange(range: ByteRange): ByteRange {
  const valid = "suffix" in range
    ? Number.isSafeInteger(range.suffix) && range.suffix >= 0
    : Number.isSafeInteger(range.start) && range.start >= 0 && (range.end === undefined || (Number.isSafeInteger(range.end) && range.end >= range.start));
  if (!valid) throw new Error(`invalid byte range: ${JSON.stringify(range)}`);
  return range;
}

/** The inclusive byte offsets `range` names in an object of `size` bytes (RFC 9110 §14.1.2). */
export function resolveRange(key: string, range: ByteRange | undefined, size: number): { start: number; end: number } {
  if (!range) return { start: 0, end: size - 1 };
  assertRange(range);
  if ("suffix" in range) {
    if (range.suffix === 0 || size === 0) throw new RangeNotSatisfiableError(key, size);
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size) throw new RangeNotSatisfiableError(key, size);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

export function assertKey(key: string): string {
  const parts = key.split("/");
  if (parts.length === 0 || parts.some((p) => !SEGMENT.test(p) || p === "." || p === "..")) {
    throw new Error(`invalid object key: ${JSON.stringify(key)}`);
  }
  return key;
}

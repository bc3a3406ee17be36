// The ObjectStore port: checkpoints, previews and videos. Adapters: disk.ts (default, under the data
// directory); an S3-compatible adapter comes with the delivery issue. Keys are relative paths with
// safe characters only ([A-Za-z0-9._-] segments), so no key can name a place outside the store.

export interface StoredObject { bytes: number; contentType: string }

export interface ObjectStore {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** Copies a local file in (large objects, such as a video, never pass through memory whole). */
  putFile(key: string, path: string, contentType: string): Promise<StoredObject>;
  get(key: string): Promise<Buffer | null>;
  /** A readable stream of the object, with its size and type; null when absent. */
  open(key: string): Promise<{ stream: NodeJS.ReadableStream; info: StoredObject } | null>;
  delete(key: string): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

export function assertKey(key: string): string {
  const parts = key.split("/");
  if (parts.length === 0 || parts.some((p) => !SEGMENT.test(p) || p === "." || p === "..")) {
    throw new Error(`invalid object key: ${JSON.stringify(key)}`);
  }
  return key;
}

// ObjectStore on an S3-compatible service (AWS S3, MinIO, R2, ...): one object per key, under an
// optional prefix, its content type as the object's Content-Type. The only module that imports the S3
// SDK. Readers get presigned GETs (presign), so video bytes need not pass through the API at all.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type GetObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  assertKey, assertRange, RangeNotSatisfiableError, resolveRange, type ByteRange, type ListedObject, type ObjectStore, type OpenedObject, type StoredObject,
} from "./store.js";

export interface S3StoreOptions {
  /** e.g. http://127.0.0.1:9000 for MinIO; left out, the AWS endpoint for the region */
  endpoint?: string;
  bucket: string;
  region: string;
  /** bucket in the path (http://host/bucket/key), which most non-AWS services and plain IPs need */
  forcePathStyle: boolean;
  /** Both or neither; without them the SDK's default chain (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** a key prefix such as `kinema/prod`, so one bucket can hold several deployments */
  prefix?: string;
}

/** S3 refuses presigned URLs that live longer than seven days (SigV4's limit). */
export const MAX_PRESIGN_SECONDS = 604_800;

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly origins: string[];

  constructor(options: S3StoreOptions) {
    if (!options.accessKeyId !== !options.secretAccessKey) throw new Error("S3 accessKeyId and secretAccessKey go together");
    this.bucket = options.bucket;
    // Presigned URLs are path-style (endpoint/bucket/key) or virtual-hosted (bucket.endpoint/key), as the
    // SDK chooses for the bucket's name: both origins, from the endpoint or the region's AWS one.
    const endpoint = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`);
    this.origins = [endpoint.origin, `${endpoint.protocol}//${options.bucket}.${endpoint.host}`];
    this.prefix = options.prefix ? `${assertKey(options.prefix.replace(/^\/+|\/+$/g, ""))}/` : "";
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
      // The SDK's default (since 3.729) adds a CRC32 trailer to every upload, which sends a stream body
      // as `aws-chunked`. S3 accepts that; several S3-compatible services and s3rver store the chunk
      // framing as the object's bytes. Checksums only where an operation requires one.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  presignOrigins(): string[] {
    return this.origins;
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: data, ContentType: contentType }));
  }

  /**
   * One streamed PutObject with a known Content-Length: the file is never in memory whole. (A
   * multipart upload would allow objects over 5 GB and parallel parts, but @aws-sdk/lib-storage is not
   * a dependency and a video is tens of MB.)
   */
  async putFile(key: string, path: string, contentType: string): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    const { size } = await stat(path);
    const out = await this.client.send(new PutObjectCommand({
      Bucket: this.bucket, Key: objectKey, Body: createReadStream(path), ContentLength: size, ContentType: contentType,
    }));
    return { bytes: size, contentType, ...(out.ETag ? { etag: out.ETag } : {}) };
  }

  async get(key: string): Promise<Buffer | null> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })).catch(missing);
    if (!out?.Body) return null;
    return Buffer.from(await out.Body.transformToByteArray());
  }

  async open(key: string, range?: ByteRange): Promise<OpenedObject | null> {
    const objectKey = this.objectKey(key);
    let header: string | undefined;
    if (range && "suffix" in assertRange(range)) {
      // S3 itself takes `bytes=-n`, but some compatible servers (s3rver among them) read it as
      // `bytes=0-n`; the size first, then an absolute range, is right everywhere for one more request.
      // A delivered video's key is only rewritten by a re-run of the same job (same frames), so the
      // size cannot change between the two requests in practice.
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey })).catch(missing);
      if (!head) return null;
      const { start, end } = resolveRange(key, range, head.ContentLength ?? 0);
      header = `bytes=${start}-${end}`;
    } else if (range && "start" in range) {
      header = `bytes=${range.start}-${range.end ?? ""}`;
    }
    let out: GetObjectCommandOutput | null;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, Range: header })).catch(missing);
    } catch (error) {
      if (!isError(error, "InvalidRange", 416)) throw error;
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey })).catch(missing);
      if (!head) return null;
      throw new RangeNotSatisfiableError(key, head.ContentLength ?? 0);
    }
    if (!out?.Body) return null;
    // What the server sent, not what was asked: a server may ignore a Range header (200, whole object).
    const served = parseContentRange(out.ContentRange);
    const bytes = served?.size ?? out.ContentLength ?? 0;
    const info: StoredObject = { bytes, contentType: out.ContentType ?? "application/octet-stream", ...(out.ETag ? { etag: out.ETag } : {}) };
    // In Node the body is the HTTP response itself (an IncomingMessage); the cast names that.
    const sent = served ? { start: served.start, end: served.end } : { start: 0, end: bytes - 1 };
    return { stream: out.Body as Readable, info, range: sent };
  }

  /** Idempotent: S3 answers 204 for a key that is not there. */
  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  /** ListObjectsV2, page by page (1,000 keys each), under this store's prefix. */
  async list(prefix: string): Promise<ListedObject[]> {
    const listed: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (o.Key) listed.push({ key: o.Key.slice(this.prefix.length), bytes: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return listed;
  }

  /**
   * A presigned GET (SigV4 in the query string); anyone holding it can read the object until it
   * expires. Signing is local (no request to S3) and does not check that the object exists. With
   * temporary credentials (an instance role) the URL also dies when they do, which may be sooner.
   */
  async presign(key: string, ttlSeconds: number): Promise<{ url: string; expiresAt: Date }> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_PRESIGN_SECONDS) {
      throw new Error(`presign ttl must be 1 to ${MAX_PRESIGN_SECONDS} seconds, not ${ttlSeconds}`);
    }
    const signedAt = Date.now();
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) });
    const url = await getSignedUrl(this.client, command, { expiresIn: ttlSeconds, signingDate: new Date(signedAt) });
    // X-Amz-Date has whole seconds: the URL expires at the signing second plus the ttl.
    return { url, expiresAt: new Date(Math.floor(signedAt / 1000) * 1000 + ttlSeconds * 1000) };
  }

  /** Closes the SDK's keep-alive sockets. */
  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return this.prefix + assertKey(key);
  }
}

/** `bytes 0-99/1234` → the range and the whole size; null for a missing or unknown header. */
function parseContentRange(header: string | undefined): { start: number; end: number; size: number } | null {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim()) : null;
  return match ? { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) } : null;
}

function isError(error: unknown, name: string, status: number): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === name || e?.$metadata?.httpStatusCode === status;
}

/**
 * null for an absent key: NoSuchKey from GET, NotFound from HEAD (no body, so the SDK names the status).
 * Any other 404, such as NoSuchBucket, is a configuration error and is thrown.
 */
function missing(error: unknown): null {
  const name = (error as { name?: string } | null)?.name;
  if (name === "NoSuchKey" || name === "NotFound") return null;
  throw error;
}

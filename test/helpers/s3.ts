// An S3-compatible server for tests and benchmarks: s3rver (in-process, Koa, files in a temp
// directory) on loopback, with one bucket made before it answers. What it does not enforce (SigV4
// signatures, `bytes=-n` and `bytes=0-0` ranges) is listed in test/storage.test.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3StoreOptions } from "../../src/storage/s3.js";

interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  /** s3rver is a Koa app; it emits S3 event notifications for object writes and deletes */
  on(event: "event", listener: (notification: { Records: { eventName: string; s3: { object: { key: string; size?: number } } }[] }) => void): void;
}
type S3rverClass = new (options: {
  port: number; address: string; silent: boolean; directory: string; configureBuckets: { name: string }[];
}) => S3rverServer;

// s3rver is CommonJS without type declarations; the shape above is the part used here.
const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;

/** One write or delete the server performed, in order. */
export interface S3Event { event: "created" | "removed"; key: string; size?: number }

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** every object written to or deleted from the bucket, in order (what the server itself did) */
  events: S3Event[];
  /** options for an S3ObjectStore on this server (s3rver's fixed credentials) */
  options: S3StoreOptions;
  stop(): Promise<void>;
}

export async function startS3(bucket = "kinema-test"): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "kinema-s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket }] });
  const events: S3Event[] = [];
  server.on("event", ({ Records }) => {
    for (const { eventName, s3: { object } } of Records) {
      events.push({ event: eventName.startsWith("ObjectCreated") ? "created" : "removed", key: object.key, ...(object.size === undefined ? {} : { size: object.size }) });
    }
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint, bucket, events,
    options: { endpoint, bucket, region: "us-east-1", forcePathStyle: true, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

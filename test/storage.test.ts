// Object storage: one contract suite over both ObjectStore adapters (disk in a temp directory; S3
// against s3rver on loopback), S3 presigned GETs, then the API's /files/ route (Range, HEAD,
// validators, cache headers, refusals) in front of each adapter.
//
// What s3rver 3.7.1 does and does not enforce (read from its source, confirmed here):
// - SigV4 signatures are NOT checked (header or presigned): only the access key id must exist. So a
//   presigned URL with a tampered signature still downloads; that is not asserted below.
// - Presigned expiry IS checked (X-Amz-Date + X-Amz-Expires): an expired URL is 403 AccessDenied.
// - Ranges: `bytes=-n` is read as `bytes=0-n`, and `bytes=0-0` as the whole object (its `end || Infinity`).
//   The adapter sends suffix ranges as absolute ones (after a HEAD), so only `0-0` stays wrong on s3rver;
//   no test asks for exactly `0-0` of an S3 object.
// - It stores `aws-chunked` bodies verbatim, which is why the adapter turns the SDK's default upload
//   checksums off (requestChecksumCalculation: WHEN_REQUIRED).
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { serveStatic } from "../src/api/static.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import { S3ObjectStore } from "../src/storage/s3.js";
import { UrlSigner } from "../src/storage/signed-urls.js";
import { RangeNotSatisfiableError, type ByteRange, type ObjectStore } from "../src/storage/store.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startS3, type TestS3 } from "./helpers/s3.js";

// Pass-through spies on the two ways to read a file, to show putFile streams (createReadStream or a
// kernel copy) and never buffers the whole file (readFile).
const reads = vi.hoisted(() => ({ whole: [] as string[], streamed: [] as string[] }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const createReadStream: typeof fs.createReadStream = (path, options) => {
    reads.streamed.push(String(path));
    return fs.createReadStream(path, options);
  };
  return { ...fs, createReadStream };
});
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const readFile = ((path: Parameters<typeof fs.readFile>[0], ...rest: unknown[]) => {
    reads.whole.push(String(path));
    return (fs.readFile as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFile;
  return { ...fs, readFile };
});

let scratch: string;
let s3: TestS3;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kinema-storage-"));
  s3 = await startS3("kinema-storage-test");
});
afterAll(async () => {
  await s3?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

interface Adapter {
  name: string;
  make(): Promise<{ store: ObjectStore; close(): Promise<void> | void }>;
}

const adapters: Adapter[] = [
  {
    name: "disk",
    async make() {
      const root = await mkdtemp(join(scratch, "disk-"));
      return { store: new DiskObjectStore(root), close: () => rm(root, { recursive: true, force: true }) };
    },
  },
  {
    name: "s3",
    async make() {
      // A prefix per store, as two deployments sharing a bucket would use.
      const store = new S3ObjectStore({ ...s3.options, prefix: `contract-${randomBytes(4).toString("hex")}` });
      return { store, close: () => store.close() };
    },
  },
];

describe.each(adapters)("ObjectStore contract: $name", (adapter) => {
  let store: ObjectStore;
  let close: () => Promise<void> | void;
  beforeAll(async () => ({ store, close } = await adapter.make()));
  afterAll(async () => close?.());

  it("puts, gets, opens, replaces and deletes an object", async () => {
    const data = randomBytes(4096);
    await store.put("checkpoints/j1/step-10.bin", data, "application/octet-stream");
    expect((await store.get("checkpoints/j1/step-10.bin"))?.equals(data)).toBe(true);
    const opened = await store.open("checkpoints/j1/step-10.bin");
    expect(opened?.info).toMatchObject({ bytes: 4096, contentType: "application/octet-stream" });
    expect(opened?.info.etag).toMatch(/^".+"$/);
    expect(opened?.range).toEqual({ start: 0, end: 4095 });
    expect((await readAll(opened!.stream)).equals(data)).toBe(true);

    const replaced = Buffer.from("a png, say");
    await store.put("checkpoints/j1/step-10.bin", replaced, "image/png");
    expect((await store.get("checkpoints/j1/step-10.bin"))?.equals(replaced)).toBe(true);
    const reopened = await store.open("checkpoints/j1/step-10.bin");
    expect(reopened?.info).toMatchObject({ bytes: replaced.length, contentType: "image/png" });
    expect(reopened?.info.etag).not.toBe(opened?.info.etag);
    await readAll(reopened!.stream);

    await store.delete("checkpoints/j1/step-10.bin");
    expect(await store.get("checkpoints/j1/step-10.bin")).toBeNull();
    expect(await store.open("checkpoints/j1/step-10.bin")).toBeNull();
  });

  it("lists the objects under a prefix, with their sizes and times, and nothing else", async () => {
    const job = `list-${randomBytes(3).toString("hex")}`;
    await store.put(`checkpoints/${job}/7-4.ckpt`, Buffer.from("four"), "application/octet-stream");
    await store.put(`checkpoints/${job}/7-8.ckpt`, Buffer.from("eight!"), "application/octet-stream");
    await store.put(`checkpoints/${job}-other/7-4.ckpt`, Buffer.from("x"), "application/octet-stream");
    await store.put(`previews/${job}/7-4.png`, Buffer.from("png"), "image/png");
    const listed = (await store.list(`checkpoints/${job}/`)).sort((a, b) => a.key.localeCompare(b.key));
    expect(listed.map((o) => [o.key, o.bytes])).toEqual([[`checkpoints/${job}/7-4.ckpt`, 4], [`checkpoints/${job}/7-8.ckpt`, 6]]);
    for (const o of listed) expect(Math.abs(o.modifiedAt.getTime() - Date.now())).toBeLessThan(120_000);
    // a prefix is a plain string prefix (S3's sense), not a folder
    expect((await store.list(`checkpoints/${job}`)).map((o) => o.key).sort()).toEqual([`checkpoints/${job}-other/7-4.ckpt`, `checkpoints/${job}/7-4.ckpt`, `checkpoints/${job}/7-8.ckpt`]);
    expect(await store.list(`videos/${job}/`)).toEqual([]);
  });

  it("answers null for a missing key, and deleting one is not an error", async () => {
    expect(await store.get("videos/missing.mp4")).toBeNull();
    expect(await store.open("videos/missing.mp4")).toBeNull();
    expect(await store.open("videos/missing.mp4", { start: 10, end: 20 })).toBeNull();
    expect(await store.open("videos/missing.mp4", { suffix: 10 })).toBeNull();
    await expect(store.delete("videos/missing.mp4")).resolves.toBeUndefined();
    // A key that is only a prefix of others ("videos", a directory on disk) is no object either.
    await store.put("videos/present.mp4", Buffer.from("x"), "video/mp4");
    expect(await store.get("videos")).toBeNull();
    expect(await store.open("videos")).toBeNull();
    await expect(store.delete("videos")).resolves.toBeUndefined();
    await store.delete("videos/present.mp4");
    await expect(store.delete("videos/present.mp4")).resolves.toBeUndefined();
  });

  it("refuses keys that could name a place outside the store", async () => {
    const path = join(scratch, `refused-${adapter.name}.bin`);
    await writeFile(path, "x");
    for (const key of ["../escape", "a/../../b", "/absolute", "a//b", "./a", "a/", "", "a b", "a\\b", "vidéo.mp4", "a/%2e%2e"]) {
      await expect(store.put(key, Buffer.from("x"), "text/plain"), key).rejects.toThrow(/invalid object key/);
      await expect(store.putFile(key, path, "text/plain"), key).rejects.toThrow(/invalid object key/);
      await expect(store.get(key), key).rejects.toThrow(/invalid object key/);
      await expect(store.open(key), key).rejects.toThrow(/invalid object key/);
      await expect(store.delete(key), key).rejects.toThrow(/invalid object key/);
    }
  });

  it("reads exactly the bytes of a range, and refuses ranges past the end", async () => {
    const data = randomBytes(1000);
    await store.put("ranges/data.bin", data, "application/octet-stream");
    const cases: [ByteRange, number, number][] = [
      [{ start: 0, end: 1 }, 0, 1],
      [{ start: 10, end: 10 }, 10, 10],
      [{ start: 100, end: 499 }, 100, 499],
      [{ start: 999, end: 999 }, 999, 999], // the last byte
      [{ start: 990 }, 990, 999],
      [{ start: 0 }, 0, 999],
      [{ start: 900, end: 5000 }, 900, 999], // an end past the last byte stops there
      [{ suffix: 1 }, 999, 999],
      [{ suffix: 250 }, 750, 999],
      [{ suffix: 5000 }, 0, 999], // a suffix longer than the object is all of it
    ];
    for (const [range, start, end] of cases) {
      const opened = await store.open("ranges/data.bin", range);
      const label = JSON.stringify(range);
      expect(opened?.range, label).toEqual({ start, end });
      expect(opened?.info.bytes, label).toBe(1000);
      expect((await readAll(opened!.stream)).equals(data.subarray(start, end + 1)), label).toBe(true);
    }
    for (const range of [{ start: 1000 }, { start: 1000, end: 2000 }, { suffix: 0 }]) {
      const error = await store.open("ranges/data.bin", range).catch((e: unknown) => e);
      expect(error, JSON.stringify(range)).toBeInstanceOf(RangeNotSatisfiableError);
      expect((error as RangeNotSatisfiableError).bytes).toBe(1000);
    }
    await expect(store.open("ranges/data.bin", { start: 5, end: 4 })).rejects.toThrow(/invalid byte range/);
    await expect(store.open("ranges/data.bin", { start: -1 })).rejects.toThrow(/invalid byte range/);
  });

  it("streams a 5 MB file in with putFile, never reading it whole", async () => {
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const path = join(scratch, `video-${adapter.name}.mp4`);
    await writeFile(path, data);
    reads.whole.length = 0;
    reads.streamed.length = 0;
    const stored = await store.putFile("videos/big.mp4", path, "video/mp4");
    expect(stored).toMatchObject({ bytes: data.length, contentType: "video/mp4" });
    expect(reads.whole).not.toContain(path);
    if (adapter.name === "s3") expect(reads.streamed).toContain(path); // disk: a kernel copy (copyFile)
    const opened = await store.open("videos/big.mp4");
    expect(opened?.info).toMatchObject({ bytes: data.length, contentType: "video/mp4" });
    expect(sha256(await readAll(opened!.stream))).toBe(sha256(data));
    const tail = await store.open("videos/big.mp4", { suffix: 100 });
    expect((await readAll(tail!.stream)).equals(data.subarray(data.length - 100))).toBe(true);
  });
});

describe("the disk adapter's temporary files", () => {
  it("a failed write removes its .tmp; one a killed write left is listed by nobody and removed by age", async () => {
    const root = await mkdtemp(join(scratch, "tmp-"));
    const store = new DiskObjectStore(root);
    await expect(store.putFile("videos/j/1.mp4", join(root, "no-such-file"), "video/mp4")).rejects.toThrow();
    expect(await readdir(join(root, "videos", "j"))).toEqual([]);
    // what a SIGKILL between the write and the rename leaves
    await store.put("videos/j/2.mp4", Buffer.from("clip"), "video/mp4");
    await writeFile(join(root, "videos", "j", "3.mp4.abcd1234.tmp"), "half a clip");
    expect((await store.list("videos/")).map((o) => o.key)).toEqual(["videos/j/2.mp4"]);
    expect(await store.removeTemporaries("videos/", 60_000)).toBe(0); // young: a write may be under way
    expect(await store.removeTemporaries("videos/", 0)).toBe(1);
    expect((await readdir(join(root, "videos", "j"))).sort()).toEqual(["2.mp4", "2.mp4.type"]);
  });
});

describe("presigned GETs", () => {
  let store: S3ObjectStore;
  beforeAll(() => {
    store = new S3ObjectStore({ ...s3.options, prefix: "presign" });
  });
  afterAll(() => store?.close());

  it("gives a URL that a plain fetch downloads, ranges included", async () => {
    const data = randomBytes(300_000);
    await store.put("videos/p.mp4", data, "video/mp4");
    const before = Date.now();
    const { url, expiresAt } = await store.presign("videos/p.mp4", 600);
    expect(url).toMatch(/X-Amz-Signature=/);
    expect(url).toContain("/kinema-storage-test/presign/videos/p.mp4?");
    expect(expiresAt.getTime()).toBeGreaterThan(before + 598_000);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(before + 600_000);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    const part = await fetch(url, { headers: { range: "bytes=1000-1999" } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(1000, 2000))).toBe(true);
  });

  it("gives 404 through a URL for a missing key, and a URL that expires", async () => {
    const missing = await store.presign("videos/none.mp4", 60);
    expect((await fetch(missing.url)).status).toBe(404);
    await store.put("videos/short.mp4", Buffer.from("short-lived"), "video/mp4");
    // X-Amz-Date has whole seconds, so a URL lives ttl - 1 to ttl seconds: 2 leaves one to use it in.
    const { url, expiresAt } = await store.presign("videos/short.mp4", 2);
    expect((await fetch(url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 100));
    expect((await fetch(url)).status).toBe(403);
  });

  it("refuses a ttl S3 would refuse, and the disk adapter has no presign", async () => {
    await expect(store.presign("videos/p.mp4", 0)).rejects.toThrow(/ttl/);
    await expect(store.presign("videos/p.mp4", 604_801)).rejects.toThrow(/ttl/);
    await expect(store.presign("../p.mp4", 60)).rejects.toThrow(/invalid object key/);
    const disk: ObjectStore = new DiskObjectStore(scratch);
    expect(disk.presign).toBeUndefined();
  });
});

// --- The /files/ route ---------------------------------------------------------------------------

interface FilesServer {
  name: string;
  start(): Promise<{ store: ObjectStore; signer: UrlSigner; stop(): Promise<void> }>;
}

const servers: FilesServer[] = [
  {
    // Kinema itself, API only, with its disk store; the signer is rebuilt from the shared secret.
    name: "Kinema API (disk)",
    async start() {
      const db: TestDatabase = await createTestDatabase();
      const dataDir = await mkdtemp(join(scratch, "data-"));
      let app: TestKinema | undefined;
      try {
        app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_DATA_DIR: dataDir } });
        const { rows } = await app.kinema.pool.query<{ value: string }>(`SELECT value FROM settings WHERE key = 'url_signing_secret'`);
        const secret = rows[0]!.value;
        const signer = new UrlSigner(Buffer.from(secret, "base64url"), app.config.delivery.urlTtlSeconds);
        signer.baseUrl = new URL(app.url).origin;
        const started = app;
        return { store: app.kinema.store, signer, async stop() { await started.stop(); await db.drop(); } };
      } catch (error) {
        await app?.stop();
        await db.drop();
        throw error;
      }
    },
  },
  {
    // Kinema with its URL-signing key from the environment (a Kubernetes Secret shared by every replica):
    // URLs signed with that key are served, and none is generated into the database.
    name: "Kinema API (disk, KINEMA_URL_SIGNING_SECRET)",
    async start() {
      const db: TestDatabase = await createTestDatabase();
      const dataDir = await mkdtemp(join(scratch, "data-"));
      const secret = randomBytes(32).toString("base64url");
      let app: TestKinema | undefined;
      try {
        app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_DATA_DIR: dataDir, KINEMA_URL_SIGNING_SECRET: secret } });
        const { rows } = await app.kinema.pool.query(`SELECT value FROM settings WHERE key = 'url_signing_secret'`);
        if (rows.length !== 0) throw new Error("a URL-signing secret was generated into the database although one was configured");
        const signer = new UrlSigner(Buffer.from(secret, "base64url"), app.config.delivery.urlTtlSeconds);
        signer.baseUrl = new URL(app.url).origin;
        const started = app;
        return { store: app.kinema.store, signer, async stop() { await started.stop(); await db.drop(); } };
      } catch (error) {
        await app?.stop();
        await db.drop();
        throw error;
      }
    },
  },
  {
    // The same route over the S3 adapter (Kinema's store is disk until the owner wires S3 in).
    name: "serveStatic over S3",
    async start() {
      const store = new S3ObjectStore({ ...s3.options, prefix: "files" });
      const signer = new UrlSigner(randomBytes(32), 3600);
      const server: Server = createServer((req, res) => {
        serveStatic(req, res, new URL(req.url ?? "/", "http://localhost"), { store, signer }).catch((error: unknown) => {
          res.writeHead(500).end(String(error));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      signer.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {
        store, signer,
        async stop() {
          store.close();
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    },
  },
];

describe.each(servers)("/files/ route: $name", (setup) => {
  const SIZE = 300_001;
  const data = randomBytes(SIZE);
  let signer: UrlSigner;
  let store: ObjectStore;
  let stop: (() => Promise<void>) | undefined;
  let url: string;
  beforeAll(async () => {
    ({ store, signer, stop } = await setup.start());
    await store.put("videos/x.mp4", data, "video/mp4");
    url = signer.sign("videos/x.mp4").url;
  });
  afterAll(async () => stop?.());

  const get = (target: string, headers: Record<string, string> = {}, method = "GET") => fetch(target, { method, headers });

  it("serves the whole object with its type, length, validator and CDN cache headers", async () => {
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-length")).toBe(String(SIZE));
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("etag")).toMatch(/^".+"$/);
    expect(res.headers.get("content-range")).toBeNull();
    const maxAge = Number(/^public, max-age=(\d+), must-revalidate, immutable$/.exec(res.headers.get("cache-control") ?? "")?.[1]);
    const expires = Number(new URL(url).searchParams.get("expires"));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(expires - Math.floor(Date.now() / 1000) + 1); // never past the URL
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  });

  it("answers a single range with 206 and exactly its bytes", async () => {
    const cases: [string, number, number][] = [
      ["bytes=0-1", 0, 1],
      ["bytes=100-199", 100, 199],
      ["bytes=300000-300000", 300_000, 300_000], // the last byte
      ["bytes=299990-", 299_990, 300_000],
      ["bytes=-10", 299_991, 300_000],
      ["bytes=-1", 300_000, 300_000],
      ["bytes=299000-999999", 299_000, 300_000], // clamped to the end
      ["bytes=-999999", 0, 300_000],
      [" bytes=5-9 ", 5, 9],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(url, { range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(res.headers.get("content-length"), range).toBe(String(end - start + 1));
      expect(res.headers.get("content-type"), range).toBe("video/mp4");
      expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it("answers 416 with the size for a range past the end", async () => {
    for (const range of ["bytes=300001-", "bytes=400000-500000", "bytes=-0"]) {
      const res = await get(url, { range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get("content-range"), range).toBe(`bytes */${SIZE}`);
      expect(res.headers.get("cache-control"), range).toBe("no-store");
      await res.arrayBuffer();
    }
  });

  it("ignores several ranges, other units and malformed ranges: the whole object with 200", async () => {
    for (const range of ["bytes=0-1,5-9", "bytes=9-5", "items=0-1", "bytes=abc", "bytes=-", "bytes=99999999999999999999-"]) {
      const res = await get(url, { range });
      expect(res.status, range).toBe(200);
      expect(res.headers.get("content-length"), range).toBe(String(SIZE));
      expect((await res.arrayBuffer()).byteLength, range).toBe(SIZE);
    }
  });

  it("answers HEAD with the headers and no body", async () => {
    const res = await get(url, {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(SIZE));
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    const part = await get(url, { range: "bytes=10-19" }, "HEAD");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-length")).toBe("10");
    expect(part.headers.get("content-range")).toBe(`bytes 10-19/${SIZE}`);
    expect((await part.arrayBuffer()).byteLength).toBe(0);
  });

  it("honours If-None-Match and If-Range with the ETag", async () => {
    const etag = (await get(url, {}, "HEAD")).headers.get("etag")!;
    const notModified = await get(url, { "if-none-match": etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe(etag);
    const resumed = await get(url, { range: "bytes=10-19", "if-range": etag });
    expect(resumed.status).toBe(206);
    expect(Buffer.from(await resumed.arrayBuffer()).equals(data.subarray(10, 20))).toBe(true);
    const changed = await get(url, { range: "bytes=10-19", "if-range": '"another-version"' });
    expect(changed.status).toBe(200);
    expect((await changed.arrayBuffer()).byteLength).toBe(SIZE);
  });

  it("refuses expired and tampered links with 403, and a signed link to nothing is 404", async () => {
    const ttlMs = Number(new URL(url).searchParams.get("expires")) * 1000 - Date.now();
    const expired = signer.sign("videos/x.mp4", Date.now() - ttlMs - 60_000).url;
    expect(Number(new URL(expired).searchParams.get("expires")) * 1000).toBeLessThan(Date.now());
    const signature = new URL(url).searchParams.get("signature")!;
    const tampered = url.replace(`signature=${signature}`, `signature=${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`);
    const laterExpiry = url.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3600}`);
    const otherKey = url.replace("videos/x.mp4", "videos/y.mp4");
    const badEscape = url.replace("videos/x.mp4", "videos/%E0%A4%A");
    for (const [what, target] of Object.entries({ expired, tampered, laterExpiry, otherKey, badEscape, unsigned: url.split("?")[0]! })) {
      for (const headers of [{}, { range: "bytes=0-9" }] as Record<string, string>[]) {
        const res = await get(target, headers);
        expect(res.status, what).toBe(403);
        expect(res.headers.get("cache-control"), what).toBe("no-store");
        expect(await res.text(), what).toMatch(/Forbidden/);
      }
    }
    const nothing = await get(signer.sign("videos/none.mp4").url);
    expect(nothing.status).toBe(404);
    await nothing.arrayBuffer();
  });
});

// Everything on the API's port that is not the GraphQL endpoint: the GraphQL IDE and its assets, a
// health check, signed file downloads, and Kinema Studio (the web app
// built from web/ into web/dist by `npm run build`) at / with its hashed bundle under /assets/.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { outputsGone } from "../removal/sql.js";
import { FILES_PATH } from "../storage/signed-urls.js";
import { RangeNotSatisfiableError, type ByteRange, type ObjectStore, type OpenedObject } from "../storage/store.js";
import type { ApiServices } from "./context.js";
import { GRAPHIQL_ASSET_PREFIX, graphiqlAsset, graphiqlHeaders, graphiqlPage, socketSources } from "./graphiql.js";

export async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, services: FileServices): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "Method not allowed\n");
  if (url.pathname.startsWith(FILES_PATH)) return serveObject(req, res, url, services);
  if (url.pathname === "/graphql") return send(res, 200, "text/html; charset=utf-8", graphiqlPage(), graphiqlHeaders(req.headers.host));
  if (url.pathname === "/favicon.ico") return send(res, 204, "image/x-icon", "");
  if (url.pathname === "/healthz") return send(res, 200, "application/json", '{"ok":true}\n');
  if (url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX)) {
    const asset = await graphiqlAsset(url.pathname.slice(GRAPHIQL_ASSET_PREFIX.length));
    if (!asset) return send(res, 404, "text/plain", "Not found\n");
    // The page's own script and style change with a deploy; GraphiQL's files with a package update.
    res.setHeader("cache-control", asset.own ? "no-cache" : "public, max-age=86400");
    return send(res, 200, asset.type, asset.body);
  }
  if (url.pathname === "/" || url.pathname === "/index.html") return serveStudioPage(req, res, services);
  if (url.pathname.startsWith(STUDIO_ASSET_PREFIX)) return serveStudioAsset(req, res, url.pathname.slice(STUDIO_ASSET_PREFIX.length));
  return send(res, 404, "text/plain", "Not found\n");
}

/** The studio's build output; `npm run build` (run by `npm ci`) writes it. */
export const STUDIO_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));
const STUDIO_ASSET_PREFIX = "/assets/";

/**
 * The page holds an API key, so it gets a strict policy: scripts and styles only from this origin (the
 * bundle has no inline script), the API on this origin over HTTP and WebSocket (named as ws:/wss: for
 * browsers whose 'self' does not cover them); images and video from this origin and from where signed
 * URLs point: KINEMA_PUBLIC_URL (a CDN in front of the API) and, with S3, the bucket's origins.
 */
export function studioHeaders(req: IncomingMessage, services: FileServices): OutgoingHttpHeaders {
  const host = req.headers.host;
  const sockets = socketSources(host);
  const media = [...new Set([...(services.signer.baseUrl ? [new URL(services.signer.baseUrl).origin] : []), ...(services.store.presignOrigins?.() ?? [])])];
  const from = media.map((o) => ` ${o}`).join("");
  return {
    "content-security-policy": `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:${from}; `
      + `media-src 'self' blob:${from}; connect-src 'self'${sockets}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };
}

/**
 * index.html is read on every request (so a rebuild shows without a restart) and revalidated by the
 * browser every time (no-cache + ETag); it names the hashed assets, which are cached for a year. With
 * no build, a short page says how to make one instead of failing.
 */
async function serveStudioPage(req: IncomingMessage, res: ServerResponse, services: FileServices): Promise<void> {
  let html: Buffer;
  try {
    html = await readFile(`${STUDIO_DIR}index.html`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return send(res, 200, "text/html; charset=utf-8", HOME, { "cache-control": "no-store" });
  }
  const etag = `"${createHash("sha256").update(html).digest("base64url").slice(0, 27)}"`;
  const headers = { ...studioHeaders(req, services), "cache-control": "no-cache", etag };
  if (matchesEtag(req.headers["if-none-match"], etag)) {
    res.writeHead(304, headers);
    return void res.end();
  }
  return send(res, 200, "text/html; charset=utf-8", html, headers);
}

const ASSET_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
  ".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp", ".ico": "image/x-icon",
  ".woff2": "font/woff2", ".json": "application/json", ".map": "application/json",
};
const COMPRESSIBLE = new Set([".js", ".css", ".svg", ".json", ".map"]);

/** Asset names are content-hashed, so a name's bytes never change: kept in memory once read. */
const assetCache = new Map<string, { body: Buffer; gzip: Buffer | null; type: string }>();
const MAX_CACHED_ASSETS = 200;

async function serveStudioAsset(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  // One flat folder of generated names: nothing with a slash, a leading dot or an odd character.
  const ext = name.slice(name.lastIndexOf("."));
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) || !ASSET_TYPES[ext]) return send(res, 404, "text/plain", "Not found\n");
  let asset = assetCache.get(name);
  if (!asset) {
    let body: Buffer;
    try {
      body = await readFile(`${STUDIO_DIR}assets/${name}`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR") return send(res, 404, "text/plain", "Not found\n", { "cache-control": "no-store" });
      throw error;
    }
    const gzip = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : null;
    asset = { body, gzip, type: ASSET_TYPES[ext]! };
    if (assetCache.size >= MAX_CACHED_ASSETS) assetCache.clear();
    assetCache.set(name, asset);
  }
  const headers: OutgoingHttpHeaders = { "cache-control": "public, max-age=31536000, immutable", vary: "accept-encoding" };
  if (asset.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    return send(res, 200, asset.type, asset.gzip, { ...headers, "content-encoding": "gzip" });
  }
  return send(res, 200, asset.type, asset.body, headers);
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  return !!header && (header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag));
}

/** What the file route needs: the store, the signer, and (to answer 410 for removed outputs) the database. */
type FileServices = Pick<ApiServices, "store" | "signer"> & Partial<Pick<ApiServices, "sql">>;

/**
 * A stored object behind a valid, unexpired signed URL; anything else is 403 (no hint which part was
 * wrong). A valid link to a job whose outputs were removed (deleted, expired by retention, taken down,
 * its account deleted) is 410 Gone: the link was good and will never work again (src/removal). Byte ranges as video players use them (RFC 9110 §14): one range, `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`, answered 206; a range past the end, 416; a malformed Range header or several ranges, the
 * whole object with 200 (a server may always ignore Range; players never need multipart/byteranges).
 */
async function serveObject(req: IncomingMessage, res: ServerResponse, url: URL, services: FileServices): Promise<void> {
  const link = services.signer.verifyLink(url.pathname, url.searchParams);
  if (!link) return send(res, 403, "text/plain", "Forbidden: the link is invalid or has expired\n", NO_STORE);
  if (link.jobId && services.sql && await outputsGone(services.sql, link.jobId)) {
    return send(res, 410, "text/plain", "Gone: this video was removed\n", NO_STORE);
  }
  return sendObject(req, res, url, services.store, link.key, parseRange(req.headers.range));
}

async function sendObject(req: IncomingMessage, res: ServerResponse, url: URL, store: ObjectStore, key: string, requested: ByteRange | null): Promise<void> {
  let object: OpenedObject | null;
  try {
    object = await store.open(key, requested ?? undefined);
  } catch (error) {
    if (!(error instanceof RangeNotSatisfiableError)) throw error;
    return send(res, 416, "text/plain", "Range not satisfiable\n", { ...NO_STORE, "accept-ranges": "bytes", "content-range": `bytes */${error.bytes}` });
  }
  if (!object) return send(res, 404, "text/plain", "Not found\n", NO_STORE);
  const { stream, info, range } = object;
  // If-Range (an ETag; a date never matches): resume only the object the client already has part of.
  const ifRange = req.headers["if-range"];
  if (requested && ifRange !== undefined && ifRange !== info.etag) {
    destroy(stream);
    return sendObject(req, res, url, store, key, null);
  }
  const headers: OutgoingHttpHeaders = {
    "content-type": contentTypeOf(key, info.contentType),
    "content-length": range.end - range.start + 1,
    "accept-ranges": "bytes",
    "cache-control": cacheControl(url),
    "x-content-type-options": "nosniff",
    ...(info.etag ? { etag: info.etag } : {}),
    ...(requested ? { "content-range": `bytes ${range.start}-${range.end}/${info.bytes}` } : {}),
  };
  const ifNoneMatch = req.headers["if-none-match"];
  if (info.etag && ifNoneMatch && (ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((tag) => tag.trim() === info.etag))) {
    destroy(stream);
    res.writeHead(304, { etag: info.etag, "cache-control": headers["cache-control"] });
    return void res.end();
  }
  res.writeHead(requested ? 206 : 200, headers);
  if (req.method === "HEAD") {
    destroy(stream);
    return void res.end();
  }
  try {
    await pipeline(stream, res);
  } catch (error) {
    // A player that seeks closes the connection mid-body all the time; that is not a server error.
    if ((error as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") throw error;
  }
}

/**
 * The URL is unique per key, expiry and signature, so a shared cache (a CDN in front of the API) may
 * keep the response under that URL; `max-age` ends no later than the URL does, so no cache serves it
 * after it has expired (must-revalidate: nor stale, as some CDNs do when the origin is slow). The cap
 * bounds how long a deleted object lingers at the edge. The CDN must key on the query string (on
 * CloudFront, a cache policy that includes all query strings); otherwise one signed URL would answer
 * for every other, expired or tampered ones too. Errors are never cached.
 */
function cacheControl(url: URL): string {
  const expires = Number(url.searchParams.get("expires")); // checked by the signer
  const seconds = Math.max(0, Math.min(MAX_CACHE_SECONDS, expires - Math.floor(Date.now() / 1000)));
  return `public, max-age=${seconds}, must-revalidate, immutable`;
}

const MAX_CACHE_SECONDS = 86_400;
const NO_STORE = { "cache-control": "no-store" };

/**
 * The one byte range a Range header asks for; null without one, or to ignore it (malformed, another
 * unit, several ranges). `bytes=-0` stays a range, which the store refuses (416), as RFC 9110 says.
 */
function parseRange(header: string | undefined): ByteRange | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, first = "", last = ""] = match;
  const start = first === "" ? null : Number(first);
  const end = last === "" ? null : Number(last);
  if ((start !== null && !Number.isSafeInteger(start)) || (end !== null && !Number.isSafeInteger(end))) return null;
  if (start === null) return end === null ? null : { suffix: end };
  if (end === null) return { start };
  return end >= start ? { start, end } : null;
}

/** Types for objects stored without one (a sidecar lost, an old upload). */
const TYPES: Record<string, string> = { ".mp4": "video/mp4", ".png": "image/png", ".jpg": "image/jpeg", ".json": "application/json" };

function contentTypeOf(key: string, stored: string): string {
  if (stored !== "application/octet-stream") return stored;
  return TYPES[key.slice(key.lastIndexOf("."))] ?? stored;
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as Readable).destroy();
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { "content-type": type, "x-content-type-options": "nosniff", ...headers });
  res.end(body);
}

/** The home page when web/dist has not been built. */
const HOME = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kinema</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>Kinema</h1><p>The text-to-video API is running.</p>
<p><strong>Kinema Studio, the web app, has not been built.</strong> Run <code>npm run build</code> in the
project folder (<code>npm ci</code> also does), then reload this page.</p>
<p>Meanwhile, <a href="/graphql">open the GraphQL IDE</a> and put your API key in its Headers pane:
<code>{"Authorization": "Bearer kin_…"}</code>.</p></body></html>`;

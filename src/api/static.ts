// Everything on the API's port that is not the GraphQL endpoint: the GraphQL IDE and its assets, a
// health check, and the home page (the studio arrives with its own issue; until then a short page).
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { FILES_PATH } from "../storage/signed-urls.js";
import type { ApiServices } from "./context.js";
import { GRAPHIQL_ASSET_PREFIX, graphiqlAsset, graphiqlPage } from "./graphiql.js";

export async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, services: Pick<ApiServices, "store" | "signer">): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "Method not allowed\n");
  if (url.pathname.startsWith(FILES_PATH)) return serveObject(res, url, services);
  if (url.pathname === "/graphql") return send(res, 200, "text/html; charset=utf-8", graphiqlPage());
  if (url.pathname === "/favicon.ico") return send(res, 204, "image/x-icon", "");
  if (url.pathname === "/healthz") return send(res, 200, "application/json", '{"ok":true}\n');
  if (url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX)) {
    const asset = await graphiqlAsset(url.pathname.slice(GRAPHIQL_ASSET_PREFIX.length));
    if (!asset) return send(res, 404, "text/plain", "Not found\n");
    res.setHeader("cache-control", "public, max-age=86400");
    return send(res, 200, asset.type, asset.body);
  }
  if (url.pathname === "/") return send(res, 200, "text/html; charset=utf-8", HOME);
  return send(res, 404, "text/plain", "Not found\n");
}

/** A stored object behind a valid, unexpired signed URL; anything else is 403 (no hint which part was wrong). */
async function serveObject(res: ServerResponse, url: URL, services: Pick<ApiServices, "store" | "signer">): Promise<void> {
  const key = services.signer.verify(url.pathname, url.searchParams);
  const object = key ? await services.store.open(key).catch(() => null) : null;
  if (!key) return send(res, 403, "text/plain", "Forbidden: the link is invalid or has expired\n");
  if (!object) return send(res, 404, "text/plain", "Not found\n");
  res.writeHead(200, {
    "content-type": object.info.contentType, "content-length": object.info.bytes,
    "cache-control": "private, max-age=300", "x-content-type-options": "nosniff",
  });
  await pipeline(object.stream, res);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "x-content-type-options": "nosniff" });
  res.end(body);
}

const HOME = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kinema</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>Kinema</h1><p>The text-to-video API is running.</p>
<p><a href="/graphql">Open the GraphQL IDE</a> and put your API key in its Headers pane:
<code>{"Authorization": "Bearer kin_…"}</code>.</p></body></html>`;

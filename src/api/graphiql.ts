// GraphiQL for support staff, served from the project's own node_modules (the machines have no network,
// so nothing loads from a CDN). Queries go over HTTP with the headers typed in the IDE's Headers pane;
// subscriptions go over graphql-ws with the same Authorization header as connectionParams. The page
// holds an API key, so: no inline script (its own is /graphiql/ide.js) under a strict CSP, no framing,
// and no headers in local storage (shouldPersistHeaders false, and a storage that blanks the headers
// GraphiQL's history would keep). Introspection needs
// a key, so the schema (docs, completion) loads once one is typed.
//
// The support console: when the studio on this origin holds a signed-in key (its local storage,
// kinema.apiKey) and that key's account is SUPPORT or ADMIN (asked with `me { role }` in a POST's
// Authorization header, never a URL), the IDE opens with the saved staff operations in tabs
// (./graphiql-examples.ts) and that key in their Headers. Other keys get the plain IDE: nothing prefilled.
// The key is still never written by the IDE: stored tabs and history keep their headers blanked, and a
// restored tab with blank headers gets the signed-in staff key again in memory.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { STAFF_EXAMPLES } from "./graphiql-examples.js";

const require = createRequire(import.meta.url);

/** URL path -> file, resolved once; nothing outside this list (and the page's own script and style) is served. */
const ASSETS: Record<string, { module: string; type: string }> = {
  "react.js": { module: "react/umd/react.production.min.js", type: "text/javascript" },
  "react-dom.js": { module: "react-dom/umd/react-dom.production.min.js", type: "text/javascript" },
  "graphiql.js": { module: "graphiql/graphiql.min.js", type: "text/javascript" },
  "graphiql.css": { module: "graphiql/graphiql.min.css", type: "text/css" },
  "graphql-ws.js": { module: "graphql-ws/umd/graphql-ws.min.js", type: "text/javascript" },
};

export const GRAPHIQL_ASSET_PREFIX = "/graphiql/";

const cache = new Map<string, Buffer>();

/** An asset by name; `own`: the page's own script or style (not a package's file). */
export async function graphiqlAsset(name: string): Promise<{ body: Buffer; type: string; own?: boolean } | null> {
  if (name === "ide.js") return { body: Buffer.from(graphiqlScript()), type: "text/javascript; charset=utf-8", own: true };
  if (name === "ide.css") return { body: Buffer.from(PAGE_STYLE), type: "text/css; charset=utf-8", own: true };
  const asset = ASSETS[name];
  if (!asset) return null;
  let body = cache.get(name);
  if (!body) cache.set(name, (body = await readFile(resolveFile(asset.module))));
  return { body, type: asset.type };
}

/** A file inside a package, found on Node's module paths (package `exports` hide UMD files from require.resolve). */
function resolveFile(spec: string): string {
  const pkg = spec.split("/")[0]!;
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const candidate = join(dir, spec);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot find ${spec} in node_modules`);
}

/**
 * The IDE page's headers. Scripts and styles from this origin only: GraphiQL sets element styles from
 * script (allowed) and injects no <style>; connections to this origin over HTTP and WebSocket (named,
 * for browsers whose 'self' does not cover ws:); never in a frame (frame-ancestors, and
 * X-Frame-Options for browsers without CSP 2).
 */
/** ` ws://host wss://host` for a CSP's connect-src; nothing for a Host header that is not a plain host[:port]. */
export function socketSources(host: string | undefined): string {
  return host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : "";
}

export function graphiqlHeaders(host: string | undefined): Record<string, string> {
  const sockets = socketSources(host);
  return {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
      + `connect-src 'self'${sockets}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
}

const PAGE_STYLE = "html,body,#ide{height:100%;margin:0}\n";

export function graphiqlPage(): string {
  const src = (name: string) => `${GRAPHIQL_ASSET_PREFIX}${name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kinema GraphQL IDE</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${src("graphiql.css")}"><link rel="stylesheet" href="${src("ide.css")}"></head>
<body><div id="ide">Loading the GraphQL IDE (GraphiQL)…</div>
<script src="${src("react.js")}"></script><script src="${src("react-dom.js")}"></script>
<script src="${src("graphql-ws.js")}"></script><script src="${src("graphiql.js")}"></script>
<script src="${src("ide.js")}"></script>
</body></html>`;
}

/** The page's own script (served as /graphiql/ide.js). */
export function graphiqlScript(): string {
  return String.raw`"use strict";
const url = location.origin + "/graphql";
const wsUrl = url.replace(/^http/, "ws");
const http = GraphiQL.createFetcher({ url });
const sockets = new Map();
function socketFor(authorization) {
  if (!sockets.has(authorization)) {
    sockets.set(authorization, graphqlWs.createClient({ url: wsUrl, lazy: true,
      connectionParams: authorization ? { authorization } : {} }));
  }
  return sockets.get(authorization);
}
// The operation's type from the query text itself: GraphiQL's parsed document lags edits by 100 ms.
function operationType(query, name) {
  const text = query.replace(/#[^\n]*/g, "");
  const named = name && new RegExp("\\b(query|mutation|subscription)\\s+" + name + "\\b").exec(text);
  const first = /^\s*(query|mutation|subscription)\b/.exec(text);
  return (named && named[1]) || (first && first[1]) || "query";
}
// The Authorization value of a headers object, or "" for none or the default pane's bare "Bearer ".
function authorizationOf(headers) {
  for (const k of Object.keys(headers || {})) {
    if (/^authorization$/i.test(k) && !/^\s*(bearer\s*)?$/i.test(String(headers[k]))) return String(headers[k]);
  }
  return "";
}
function fetcher(params, opts) {
  const headers = { ...((opts && opts.headers) || {}) };
  // Send nothing until a key is typed: a bare "Bearer " would be refused as an invalid key.
  for (const k of Object.keys(headers)) if (/^authorization$/i.test(k)) delete headers[k];
  const authorization = authorizationOf(opts && opts.headers);
  if (authorization) headers.Authorization = authorization;
  if (operationType(params.query || "", params.operationName) === "subscription") return socketFor(authorization).iterate(params);
  return http(params, { ...opts, headers });
}
// Introspection needs a key. GraphiQL loads the schema when its fetcher changes, so a newly typed key
// gets a fresh fetcher (after a pause in typing), and with it the docs and completion.
let schemaKey = "";
let pending = null;
function onEditHeaders(text) {
  clearTimeout(pending);
  pending = setTimeout(() => {
    let authorization = "";
    try { authorization = authorizationOf(JSON.parse(text)); } catch (_) { return; }
    if (authorization && authorization !== schemaKey) {
      schemaKey = authorization;
      render();
    }
  }, 600);
}
// GraphiQL keeps tabs and a query history in local storage, and its history keeps each query's headers
// even with shouldPersistHeaders false: every value goes in with its "headers" blanked.
function withoutHeaders(value) {
  try { return JSON.stringify(JSON.parse(value), (k, v) => (k === "headers" ? null : v)); } catch (_) { return value; }
}
const ours = (key) => key.indexOf("graphiql:") === 0;
// Set when a signed-in staff key was found: the Headers JSON text the staff tabs carry.
let staffHeaders = null;
// A restored tab whose headers were blanked gets the signed-in staff key (in memory only), and the saved
// staff operations are there even when other tabs were restored.
function withStaffTabs(value) {
  let state = null;
  try { state = JSON.parse(value); } catch (_) { return value; }
  if (!state || !Array.isArray(state.tabs)) return value;
  for (const tab of state.tabs) if (!tab.headers) tab.headers = staffHeaders;
  for (const tab of staffTabs()) {
    if (!state.tabs.some((t) => t.query === tab.query)) {
      state.tabs.push({ id: "staff-" + state.tabs.length + "-" + Date.now(), hash: null, response: null, operationName: null, ...tab });
    }
  }
  return JSON.stringify(state);
}
const storage = {
  getItem: (key) => {
    const value = localStorage.getItem(key);
    return staffHeaders && value && key === "graphiql:tabState" ? withStaffTabs(value) : value;
  },
  setItem: (key, value) => localStorage.setItem(key, withoutHeaders(value)),
  removeItem: (key) => localStorage.removeItem(key),
  get length() { return Object.keys(localStorage).filter(ours).length; },
  clear() { for (const key of Object.keys(localStorage).filter(ours)) localStorage.removeItem(key); },
};
const STAFF_EXAMPLES = ${JSON.stringify(STAFF_EXAMPLES)};
function staffTabs() {
  return STAFF_EXAMPLES.map((e) => ({ title: e.title, query: e.query, variables: e.variables, headers: staffHeaders }));
}
// The studio's signed-in key on this origin, if its account is staff; null otherwise (no key, a USER
// key, a refused key, no storage).
async function signedInStaffKey() {
  let key = null;
  try { key = localStorage.getItem("kinema.apiKey"); } catch (_) { return null; }
  if (!key) return null;
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer " + key },
      body: JSON.stringify({ query: "query IdeRole { me { role } }" }) });
    const body = await res.json();
    const role = body && body.data && body.data.me && body.data.me.role;
    return role === "SUPPORT" || role === "ADMIN" ? key : null;
  } catch (_) {
    return null;
  }
}
const defaultQuery = "# Put your key in the Headers pane: {\"Authorization\": \"Bearer kin_...\"}\n# The schema (docs, completion) loads once it is there. It is not saved in this browser.\n{\n  me { id tier limits { maxResolution stepBudget } }\n  jobs(first: 10) { nodes { id status stage stepsCompleted stepBudget createdAt error { code message } } }\n}\n";
const root = ReactDOM.createRoot(document.getElementById("ide"));
function render() {
  root.render(React.createElement(GraphiQL, {
    fetcher: (params, opts) => fetcher(params, opts), defaultQuery, headerEditorEnabled: true,
    shouldPersistHeaders: false, storage, onEditHeaders, defaultHeaders: staffHeaders || '{"Authorization": "Bearer "}',
    ...(staffHeaders ? { defaultTabs: staffTabs(), defaultEditorToolsVisibility: "headers" } : {}),
  }));
}
async function start() {
  const key = await signedInStaffKey();
  if (key) {
    staffHeaders = JSON.stringify({ Authorization: "Bearer " + key });
    schemaKey = "Bearer " + key;
  }
  render();
}
start();
`;
}

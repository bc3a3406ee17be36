// GraphiQL for support staff, served from the project's own node_modules (the machines have no network,
// so nothing loads from a CDN). Queries go over HTTP with the headers typed in the IDE's Headers pane;
// subscriptions go over graphql-ws with the same Authorization header as connectionParams.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const require = createRequire(import.meta.url);

/** URL path -> file, resolved once; nothing outside this list is served. */
const ASSETS: Record<string, { module: string; type: string }> = {
  "react.js": { module: "react/umd/react.production.min.js", type: "text/javascript" },
  "react-dom.js": { module: "react-dom/umd/react-dom.production.min.js", type: "text/javascript" },
  "graphiql.js": { module: "graphiql/graphiql.min.js", type: "text/javascript" },
  "graphiql.css": { module: "graphiql/graphiql.min.css", type: "text/css" },
  "graphql-ws.js": { module: "graphql-ws/umd/graphql-ws.min.js", type: "text/javascript" },
};

export const GRAPHIQL_ASSET_PREFIX = "/graphiql/";

const cache = new Map<string, Buffer>();

export async function graphiqlAsset(name: string): Promise<{ body: Buffer; type: string } | null> {
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

export function graphiqlPage(): string {
  const src = (name: string) => `${GRAPHIQL_ASSET_PREFIX}${name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kinema GraphQL IDE</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${src("graphiql.css")}">
<style>html,body,#ide{height:100%;margin:0}</style></head>
<body><div id="ide">Loading the GraphQL IDE…</div>
<script src="${src("react.js")}"></script><script src="${src("react-dom.js")}"></script>
<script src="${src("graphql-ws.js")}"></script><script src="${src("graphiql.js")}"></script>
<script>
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
  const text = query.replace(/#[^\\n]*/g, "");
  const named = name && new RegExp("\\\\b(query|mutation|subscription)\\\\s+" + name + "\\\\b").exec(text);
  const first = /^\\s*(query|mutation|subscription)\\b/.exec(text);
  return (named && named[1]) || (first && first[1]) || "query";
}
function fetcher(params, opts) {
  const headers = { ...((opts && opts.headers) || {}) };
  // The default header pane holds a bare "Bearer ": send nothing until a key is typed, so the schema
  // (allowed without a key) still loads.
  for (const k of Object.keys(headers)) {
    if (/^authorization$/i.test(k) && /^\\s*(bearer\\s*)?$/i.test(String(headers[k]))) delete headers[k];
  }
  const authorization = headers.Authorization || headers.authorization || "";
  if (operationType(params.query || "", params.operationName) === "subscription") return socketFor(authorization).iterate(params);
  return http(params, { ...opts, headers });
}
const defaultQuery = "# Put your key in the Headers pane: {\\"Authorization\\": \\"Bearer kin_...\\"}\\n{\\n  me { id tier limits { maxResolution stepBudget } }\\n  jobs(first: 10) { nodes { id status stage stepsCompleted stepBudget createdAt error { code message } } }\\n}\\n";
ReactDOM.createRoot(document.getElementById("ide")).render(React.createElement(GraphiQL, {
  fetcher, defaultQuery, headerEditorEnabled: true, shouldPersistHeaders: true,
  defaultHeaders: '{"Authorization": "Bearer "}',
}));
</script></body></html>`;
}

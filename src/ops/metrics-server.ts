// A process's /metrics: a small HTTP server with nothing else on it, on an operators' port (workers:
// KINEMA_METRICS_PORT; `npm start`: KINEMA_API_METRICS_PORT), never the public API port, so anonymous
// callers of the API cannot read the fleet's figures. Port 0 takes any free port; the bound port is returned.
import { createServer, type Server } from "node:http";
import { renderMetrics } from "./metrics.js";

export interface MetricsServer { port: number; server: Server; close(): Promise<void> }

export async function startMetricsServer(port: number, host = "0.0.0.0"): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      return;
    }
    renderMetrics().then(({ contentType, body }) => {
      res.writeHead(200, { "content-type": contentType }).end(body);
    }, () => {
      res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

// A real HTTP receiver for webhook tests, on 127.0.0.1: it keeps every request it answered, answers with
// what the test says (200 by default; a status, or a redirect), and can go down (its port closed: the
// sender sees ECONNREFUSED) and come back on the same port.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook { path: string; headers: IncomingHttpHeaders; body: string; at: number }

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** the answer to a request: a status, or a status and a Location */
  respond: (hook: ReceivedWebhook) => number | { status: number; location: string } = () => 200;
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const hook = { path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
        const answer = this.respond(hook);
        const status = typeof answer === "number" ? answer : answer.status;
        if (status >= 200 && status < 300) this.received.push(hook);
        res.writeHead(status, typeof answer === "number" ? {} : { location: answer.location }).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = "/hook"): string { return `http://127.0.0.1:${this.port}${path}`; }

  /** Accepted deliveries whose body parses to `type` (e.g. job.succeeded), with the parsed body. */
  events(filter?: (body: { type: string; data: any }) => boolean): (ReceivedWebhook & { json: { type: string; timestamp: string; data: any } })[] {
    return this.received.map((r) => ({ ...r, json: JSON.parse(r.body) })).filter((r) => !filter || filter(r.json));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async up(): Promise<void> { await this.start(this.port); }
}

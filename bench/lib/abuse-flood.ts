// The attacker side of bench:abuse, in a child process (its own event loop and core, so the flood's client
// work does not slow the normal client in the bench's process). It takes one order per phase: HTTP
// phases run `concurrency` loops, each sending the phase's shapes round-robin until the time or the
// request cap is up, counting what came back; the socket phase opens sockets with a key, fills each
// with subscriptions up to the server's cap, sends a refused operation on each and holds them to the end.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { shapesFor, type FloodPhase, type Shape } from "./abuse-shapes.js";

export interface FloodOrder {
  phase: FloodPhase; url: string; keys: { attacker: string; plus: string }; jobId: string;
  concurrency: number; durationMs: number; maxRequests: number; sockets: number; subscriptionsPerSocket: number;
}
export interface SocketStats { opened: number; closed: number; subscriptions: number; events: number; refused: number }
export interface FloodResult { requests: number; bytesIn: number; outcomes: Record<string, number>; sockets?: SocketStats }

async function httpFlood(order: FloodOrder, shapes: Shape[], deadline: number): Promise<FloodResult> {
  const result: FloodResult = { requests: 0, bytesIn: 0, outcomes: {} };
  const count = (outcome: string) => { result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1; };
  const loop = async (offset: number) => {
    for (let i = offset; performance.now() < deadline && result.requests < order.maxRequests; i++) {
      const shape = shapes[i % shapes.length]!;
      result.requests++;
      try {
        const res = await fetch(order.url, {
          method: "POST", body: shape.body,
          headers: { "content-type": "application/json", ...(shape.key ? { authorization: `Bearer ${shape.key}` } : {}) },
        });
        const text = await res.text();
        result.bytesIn += text.length;
        let code = "";
        try { code = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? ""; } catch { code = "not-json"; }
        count(`${shape.name}: ${res.status}${code ? ` ${code}` : ""}`);
      } catch (error) {
        count(`${shape.name}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: order.concurrency }, (_, i) => loop(i)));
  return result;
}

async function socketFlood(order: FloodOrder, deadline: number): Promise<FloodResult> {
  const stats: SocketStats = { opened: 0, closed: 0, subscriptions: 0, events: 0, refused: 0 };
  const clients: Client[] = [];
  const subscription = `subscription($id: ID!) { jobProgress(id: $id) { status stage queuePosition } }`;
  const refusedOp = `mutation { ${Array.from({ length: 6 }, (_, i) => `m${i}: cancelJob(id: "${order.jobId}") { job { id } }`).join(" ")} }`;
  for (let s = 0; s < order.sockets && performance.now() < deadline; s++) {
    const client = createClient({
      url: order.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false,
      connectionParams: { authorization: `Bearer ${s % 2 ? order.keys.plus : order.keys.attacker}` },
      on: { connected: () => { stats.opened++; }, closed: () => { stats.closed++; } },
      onNonLazyError: () => {}, // a socket the server closed (4430 at the caps): counted in `closed`
    });
    clients.push(client);
    const sink = { next: () => { stats.events++; }, error: () => { stats.refused++; }, complete: () => {} };
    client.subscribe({ query: refusedOp }, sink);
    for (let i = 0; i < order.subscriptionsPerSocket; i++) {
      stats.subscriptions++;
      client.subscribe({ query: subscription, variables: { id: order.jobId } }, sink);
    }
    if (s % 10 === 9) await new Promise((r) => setTimeout(r, 20)); // open in bursts, not all in one tick
  }
  while (performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // A client whose socket the server closed rejects its dispose() with the close event (and one still
  // connecting may take a while): neither may keep the phase from reporting.
  const disposed = clients.map(async (c) => { try { await c.dispose(); } catch { /* closed already */ } });
  await Promise.race([Promise.all(disposed), new Promise((r) => setTimeout(r, 5_000))]);
  return { requests: stats.subscriptions, bytesIn: 0, outcomes: {}, sockets: stats };
}

// graphql-ws's client can leave the close of a socket the server shut (4430) as a rejected promise no one
// awaits; that is the refusal this bench provokes, not a failure of the flood.
process.on("unhandledRejection", (reason) => {
  if (reason && typeof reason === "object" && "code" in reason && "reason" in reason) return;
  throw reason;
});

process.on("message", async (order: FloodOrder | { kind: "stop" }) => {
  if ("kind" in order) process.exit(0);
  const deadline = performance.now() + order.durationMs;
  const result = order.phase === "sockets" ? await socketFlood(order, deadline) : await httpFlood(order, shapesFor(order.phase, order.keys, order.jobId), deadline);
  process.send!(result);
});
process.send!({ kind: "ready" });

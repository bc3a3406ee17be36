// The CLI's POST (src/cli/http-post.ts) against real sockets: every way a server can fail ends the
// promise (a reset, a silent server past the deadline, an answer cut off), and an answer arrives whole.
// Why it exists: fetch sometimes never settled on a reset connection and the CLI exited 0 (test/cli.test.ts
// runs the command itself against such a server, several times).
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postText } from "../src/cli/http-post.js";

const servers: { close(cb: () => void): void }[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
}

describe("postText", () => {
  it("reads a whole answer, with its status", async () => {
    const url = await listen(createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => { res.statusCode = 201; res.end(JSON.stringify({ echoed: JSON.parse(body), auth: req.headers.authorization })); });
    }));
    const answer = await postText(url, JSON.stringify({ a: 1 }), { "content-type": "application/json", authorization: "Bearer k" }, 5_000);
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toEqual({ echoed: { a: 1 }, auth: "Bearer k" });
  });

  it("rejects with ECONNRESET when every connection is reset, each of twenty times", async () => {
    const url = await listen(createServer((socket) => socket.resetAndDestroy()));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => postText(url, "{}", {}, 5_000)));
    expect(results.map((r) => (r.status === "rejected" ? (r.reason as { code?: string }).code : "answered"))).toEqual(Array(20).fill("ECONNRESET"));
  });

  it("rejects with ECONNREFUSED when nothing listens", async () => {
    const server = createServer();
    const url = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    servers.pop();
    await expect(postText(url, "{}", {}, 5_000)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("rejects with a TimeoutError past the deadline when the server never answers, or answers too slowly", async () => {
    const silent = await listen(createServer((socket) => { sockets.add(socket); }));
    const started = performance.now();
    await expect(postText(silent, "{}", {}, 300)).rejects.toMatchObject({ name: "TimeoutError" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // headers at once, then a byte every 100 ms: idle never, late all the same
    const trickle = await listen(createHttpServer((_req, res) => {
      res.writeHead(200);
      const tick = setInterval(() => res.write("x"), 100);
      res.on("close", () => clearInterval(tick));
    }));
    await expect(postText(trickle, "{}", {}, 400)).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("rejects when the answer is cut off midway", async () => {
    const url = await listen(createHttpServer((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 50);
    }));
    await expect(postText(url, "{}", {}, 5_000)).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});

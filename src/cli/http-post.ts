// One HTTP(S) POST for the CLI, on node:http rather than fetch. Why: against a server that resets the
// connection (a crashed or restarting API behind a proxy), Node 20's fetch (undici) sometimes never settles
// — a few runs in forty here — and keeps no handle open meanwhile, so the process ran out of work and
// exited 0 with nothing said: a script took a failure for success. node:http reports every such reset as
// an 'error' (ECONNRESET), and its timeout timer keeps the process alive until the answer or the deadline.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

export interface PostAnswer { status: number; body: string }

/**
 * POSTs `body` to `url` and reads the whole answer. Rejects with the socket's error (its `code`:
 * ECONNREFUSED, ECONNRESET, ...) or, past `timeoutMs` without an answer, an error named TimeoutError.
 */
export function postText(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostAnswer> {
  const request = new URL(url).protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (settle: () => void) => { clearTimeout(timer); settle(); };
    const fail = (error: Error) => done(() => reject(error));
    const req = request(url, { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") })));
      res.on("error", fail);
      res.on("aborted", () => fail(Object.assign(new Error("the answer was cut off"), { code: "ECONNRESET" })));
    });
    // A deadline for the whole exchange, not only an idle socket: a server that trickles bytes is still late.
    timer = setTimeout(() => {
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "TimeoutError" }));
    }, timeoutMs);
    req.on("error", fail);
    req.end(body);
  });
}

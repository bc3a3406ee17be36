// The one module that sends webhook requests (node:http/https). It never follows a redirect (a 3xx is
// a failed attempt), connects only to the address the policy checked, stops at the timeout, and reads at
// most 4 KiB of the answer (only its status matters). Connections are kept alive in the caller's agents: a
// kept connection was opened to an address the policy checked, and every request is checked again first.
import { request as httpRequest, type Agent as HttpAgent } from "node:http";
import { request as httpsRequest, type Agent as HttpsAgent } from "node:https";
import type { LookupFunction } from "node:net";
import type { AddressPolicy } from "./address-policy.js";

export interface Agents { http: HttpAgent; https: HttpsAgent }
export interface PostResult { ok: boolean; status: number | null; latencyMs: number; error: string | null }

export async function postWebhook(policy: AddressPolicy, rawUrl: string, headers: Record<string, string>, body: string, timeoutMs: number, agents?: Agents): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const check = await policy.check(rawUrl);
  if (!check.ok) return { ok: false, status: null, latencyMs: elapsed(), error: `refused: ${check.reason}` };
  const pinned = check.addresses[0]!;
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const https = check.url.protocol === "https:";
  const send = https ? httpsRequest : httpRequest;
  const agent = agents ? (https ? agents.https : agents.http) : undefined;
  return new Promise<PostResult>((resolve) => {
    const req = send(check.url, {
      method: "POST", lookup, timeout: timeoutMs, agent,
      headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "Kinema-Webhooks/1" },
    }, (res) => {
      let read = 0;
      res.on("data", (chunk: Buffer) => { read += chunk.length; if (read > 4096) res.destroy(); });
      const done = () => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const error = ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}`;
        resolve({ ok, status, latencyMs: elapsed(), error });
      };
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (error) => resolve({ ok: false, status: null, latencyMs: elapsed(), error: error.message || String(error) }));
    req.on("close", () => clearTimeout(timer));
    req.end(body);
  });
}

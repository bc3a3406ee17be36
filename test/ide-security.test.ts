// The pages that hold an API key, against issue 21: the GraphQL IDE sends a strict CSP, refuses to be
// framed and does not keep the key in local storage, and still works under that policy in Chromium
// (the schema loads once a key is typed, since introspection needs one); the studio's CSP allows its
// own origin only, plus where signed URLs point (KINEMA_PUBLIC_URL, the S3 bucket) for media.
import type { IncomingMessage } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { studioHeaders } from "../src/api/static.js";
import { S3ObjectStore } from "../src/storage/s3.js";
import { UrlSigner } from "../src/storage/signed-urls.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { launchChromium, watchProblems } from "./helpers/browser.js";

let db: TestDatabase;
let app: TestKinema;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  const launched = launchChromium().then((b) => { browser = b; });
  launched.catch(() => {});
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
  origin = new URL(app.url).origin;
  await launched;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await db?.drop();
});

/** A CSP header as directive -> sources. */
function policy(header: string | null): Record<string, string[]> {
  expect(header).toBeTruthy();
  return Object.fromEntries(header!.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!, sources]));
}

describe("the GraphQL IDE page", () => {
  it("sends a strict CSP, frame-ancestors 'none' and X-Frame-Options DENY, with nothing inline", async () => {
    const res = await fetch(app.url, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const csp = policy(res.headers.get("content-security-policy"));
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp["script-src"]).toEqual(["'self'"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    expect(csp["default-src"]).toEqual(["'self'"]);
    for (const sources of Object.values(csp)) for (const s of sources) expect(s, "no wildcard sources").not.toMatch(/^(\*|https?:|wss?:|'unsafe-inline'|'unsafe-eval')$/);
    expect(csp["connect-src"]).toEqual(["'self'", `ws://${new URL(origin).host}`, `wss://${new URL(origin).host}`]);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style>/);
    const script = await fetch(`${origin}/graphiql/ide.js`);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(await script.text()).toContain("shouldPersistHeaders: false");
  });

  it("works under its CSP in Chromium: the schema loads once a key is typed, queries run, the key is never stored", { timeout: 90_000 }, async () => {
    const account = await app.account("FREE");
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = watchProblems(page);
      const introspections: number[] = [];
      page.on("response", (r) => {
        if (r.url().endsWith("/graphql") && (r.request().postData() ?? "").includes("IntrospectionQuery")) introspections.push(r.status());
      });
      await page.goto(`${origin}/graphql`);
      await page.locator(".graphiql-container").waitFor({ timeout: 20_000 });
      // Without a key the schema is refused (401), and that is all that went wrong.
      await expect.poll(() => introspections.length, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(introspections[0]).toBe(401);
      await page.getByRole("button", { name: /headers/i }).first().click();
      const headers = page.locator(".graphiql-editor-tool .CodeMirror").last();
      await headers.click();
      await page.keyboard.press("Control+A");
      await page.keyboard.insertText(`{"Authorization": "Bearer ${account.key}"}`);
      await expect.poll(() => introspections.at(-1), { timeout: 15_000 }).toBe(200);
      await page.getByRole("button", { name: /execute query/i }).click();
      await page.locator(".result-window").filter({ hasText: account.id }).waitFor({ timeout: 15_000 });
      // A subscription goes over the socket (connect-src allows this origin's ws:), with the typed key.
      await page.locator(".graphiql-query-editor .CodeMirror").first().click();
      await page.keyboard.press("Control+A");
      await page.keyboard.insertText(`subscription { jobProgress(id: "00000000-0000-0000-0000-000000000000") { status } }`);
      await page.getByRole("button", { name: /execute query/i }).click();
      await page.locator(".result-window").filter({ hasText: "NOT_FOUND" }).waitFor({ timeout: 15_000 });
      const stored = await page.evaluate(() => {
        const storage = (globalThis as any).localStorage;
        return Object.keys(storage).map((k) => `${k}=${storage.getItem(k)}`).join("\n");
      });
      expect(stored).not.toContain(account.key);
      expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("the studio page", () => {
  it("allows its own origin only, plus the signed URLs' origins for media", async () => {
    const res = await fetch(`${origin}/`);
    const csp = policy(res.headers.get("content-security-policy"));
    const host = new URL(origin).host;
    expect(csp["connect-src"]).toEqual(["'self'", `ws://${host}`, `wss://${host}`]);
    expect(csp["media-src"]).toEqual(["'self'", "blob:", origin]);
    expect(csp["img-src"]).toEqual(["'self'", "data:", "blob:", origin]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(res.headers.get("x-frame-options")).toBe("DENY");

    // With S3 and a CDN in front of the API: those origins, and no other.
    const req = { headers: { host: "kinema.example.com" } } as IncomingMessage;
    const signer = new UrlSigner(Buffer.alloc(32), 60);
    signer.baseUrl = "https://cdn.example.com";
    const store = new S3ObjectStore({ endpoint: "http://minio.internal:9000", bucket: "clips", region: "us-east-1", forcePathStyle: true });
    const s3 = policy(String(studioHeaders(req, { store, signer })["content-security-policy"]));
    expect(s3["media-src"]).toEqual(["'self'", "blob:", "https://cdn.example.com", "http://minio.internal:9000", "http://clips.minio.internal:9000"]);
    expect(s3["connect-src"]).toEqual(["'self'", "ws://kinema.example.com", "wss://kinema.example.com"]);
    const aws = policy(String(studioHeaders(req, { store: new S3ObjectStore({ bucket: "clips", region: "eu-west-1", forcePathStyle: false }), signer })["content-security-policy"]));
    expect(aws["media-src"]).toContain("https://clips.s3.eu-west-1.amazonaws.com");
    // A Host header that is not a host name is not reflected into the policy.
    const odd = policy(String(studioHeaders({ headers: { host: "x; script-src *" } } as IncomingMessage, { store: new DiskObjectStore("/tmp/none"), signer })["content-security-policy"]));
    expect(odd["connect-src"]).toEqual(["'self'"]);
    expect(odd["script-src"]).toEqual(["'self'"]);
  });
});

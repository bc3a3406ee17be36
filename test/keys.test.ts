// The key lifecycle over the real API: create, list (prefix and last use, never the key or its hash),
// revoke and rotate one's own keys; another account's keys are out of reach and indistinguishable from
// keys that do not exist; last use is recorded without a write per request.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { hashApiKey } from "../src/accounts/keys.js";
import { MAX_ACTIVE_KEYS } from "../src/accounts/api-keys.js";

const run = promisify(execFile);
let db: TestDatabase;
let app: TestKinema;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await app?.stop();
  await db?.drop();
});

const KEY_FIELDS = "id name prefix createdAt lastUsedAt revokedAt active current";
const LIST = `query($all: Boolean!) { apiKeys(includeRevoked: $all) { ${KEY_FIELDS} } }`;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { ${KEY_FIELDS} } userErrors { code message field } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { ${KEY_FIELDS} } userErrors { code message field } } }`;
const ROTATE = `mutation($id: ID!, $grace: Int!) { rotateApiKey(id: $id, gracePeriodSeconds: $grace) { key apiKey { ${KEY_FIELDS} } replaced { ${KEY_FIELDS} } userErrors { code message field } } }`;

async function works(key: string): Promise<boolean> {
  const res = await app.client(key).request(`{ me { id } }`);
  if (res.errors?.length) {
    expect(res.errors[0]!.extensions?.code).toBe("UNAUTHENTICATED");
    return false;
  }
  return true;
}

describe("API keys", () => {
  it("creates a named key, shown once, and lists keys by prefix without the key or its hash", async () => {
    const owner = await app.account("FREE");
    const { createApiKey } = await owner.client.data(CREATE, { input: { name: "  laptop  " } });
    expect(createApiKey.userErrors).toEqual([]);
    const key: string = createApiKey.key;
    expect(key).toMatch(/^kin_[A-Za-z0-9_-]{43}$/);
    expect(createApiKey.apiKey).toMatchObject({ name: "laptop", prefix: key.slice(0, 12), active: true, revokedAt: null, current: false });
    expect(await works(key)).toBe(true);

    const res = await app.client(key).request(LIST, { all: true });
    const text = JSON.stringify(res);
    for (const secret of [key, owner.key, hashApiKey(key), hashApiKey(owner.key)]) expect(text).not.toContain(secret);
    const keys = res.data.apiKeys;
    expect(keys.map((k: any) => k.prefix)).toEqual([key.slice(0, 12), owner.key.slice(0, 12)]); // newest first
    expect(keys.find((k: any) => k.current).prefix).toBe(key.slice(0, 12));
    // The schema has no field that could carry a key or a hash.
    const { __type } = await owner.client.data(`{ __type(name: "ApiKey") { fields { name } } }`);
    expect(__type.fields.map((f: any) => f.name).sort()).toEqual(["active", "createdAt", "current", "id", "lastUsedAt", "name", "prefix", "revokedAt"]);
  });

  it("refuses a bad name and more than the cap of active keys, with typed errors", async () => {
    const owner = await app.account("FREE");
    const bad = await owner.client.data(CREATE, { input: { name: "x".repeat(101) } });
    expect(bad.createApiKey).toMatchObject({ key: null, apiKey: null, userErrors: [{ code: "INVALID_NAME", field: ["input", "name"] }] });
    // Concurrent creates must not pass the cap together.
    const results = await Promise.all(Array.from({ length: MAX_ACTIVE_KEYS + 3 }, () => owner.client.data(CREATE, { input: {} })));
    const made = results.filter((r) => r.createApiKey.key).length;
    expect(made).toBe(MAX_ACTIVE_KEYS - 1); // the account's first key counts
    expect(results.filter((r) => r.createApiKey.userErrors[0]?.code === "KEY_LIMIT")).toHaveLength(4);
    const { apiKeys } = await owner.client.data(LIST, { all: false });
    expect(apiKeys).toHaveLength(MAX_ACTIVE_KEYS);
  });

  it("revokes a key at once: it stops working, leaves the active list, and a second revoke changes nothing", async () => {
    const owner = await app.account("FREE");
    const { createApiKey } = await owner.client.data(CREATE, { input: { name: "ci" } });
    const id = createApiKey.apiKey.id;
    expect(await works(createApiKey.key)).toBe(true); // now cached by the API
    const { revokeApiKey } = await owner.client.data(REVOKE, { id });
    expect(revokeApiKey.userErrors).toEqual([]);
    expect(revokeApiKey.apiKey).toMatchObject({ id, active: false });
    expect(await works(createApiKey.key)).toBe(false); // this process drops its cache entry on revoke
    const again = await owner.client.data(REVOKE, { id });
    expect(again.revokeApiKey).toMatchObject({ userErrors: [], apiKey: { id, revokedAt: revokeApiKey.apiKey.revokedAt } });
    expect((await owner.client.data(LIST, { all: false })).apiKeys.map((k: any) => k.id)).not.toContain(id);
    expect((await owner.client.data(LIST, { all: true })).apiKeys.map((k: any) => k.id)).toContain(id);
  });

  it("rotates: a new key with the old name at once, the old one revoked now or after its grace period", async () => {
    const owner = await app.account("PLUS");
    const { createApiKey } = await owner.client.data(CREATE, { input: { name: "deploy" } });
    const oldKey: string = createApiKey.key;

    const { rotateApiKey } = await owner.client.data(ROTATE, { id: createApiKey.apiKey.id, grace: 2 });
    expect(rotateApiKey.userErrors).toEqual([]);
    expect(rotateApiKey.apiKey).toMatchObject({ name: "deploy", active: true });
    expect(rotateApiKey.key).not.toBe(oldKey);
    expect(rotateApiKey.replaced).toMatchObject({ id: createApiKey.apiKey.id, active: true });
    const until = Date.parse(rotateApiKey.replaced.revokedAt);
    expect(until - Date.now()).toBeGreaterThan(500);
    expect(until - Date.now()).toBeLessThanOrEqual(2_000);
    expect(await works(oldKey)).toBe(true); // in its grace period
    expect(await works(rotateApiKey.key)).toBe(true);
    // A key in its grace period was rotated already: rotating it again would fork the chain.
    const twice = await owner.client.data(ROTATE, { id: createApiKey.apiKey.id, grace: 0 });
    expect(twice.rotateApiKey).toMatchObject({ key: null, userErrors: [{ code: "KEY_REVOKED" }] });
    await waitFor(async () => !(await works(oldKey)), 5_000, "the grace period to end");
    expect(Date.now()).toBeGreaterThanOrEqual(until);

    const now = await owner.client.data(ROTATE, { id: rotateApiKey.apiKey.id, grace: 0 });
    expect(await works(rotateApiKey.key)).toBe(false);
    expect(await works(now.rotateApiKey.key)).toBe(true);
    const badGrace = await owner.client.data(ROTATE, { id: now.rotateApiKey.apiKey.id, grace: 3_601 });
    expect(badGrace.rotateApiKey.userErrors).toMatchObject([{ code: "INVALID_GRACE_PERIOD" }]);
  });

  it("keeps another account's keys out of reach, answering exactly as for a key that does not exist", async () => {
    const victim = await app.account("PLUS");
    const attacker = await app.account("FREE");
    const { apiKeys } = await victim.client.data(LIST, { all: false });
    const victimKeyId = apiKeys[0].id;
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const op of [REVOKE, ROTATE]) {
      const theirs = await attacker.client.data(op, { id: victimKeyId, grace: 0 });
      const nobody = await attacker.client.data(op, { id: missing, grace: 0 });
      const garbage = await attacker.client.data(op, { id: "not-a-uuid", grace: 0 });
      const payload = (r: any) => r.revokeApiKey ?? r.rotateApiKey;
      expect(payload(theirs).userErrors).toEqual([{ code: "NOT_FOUND", message: `No API key with id "${victimKeyId}".`, field: ["id"] }]);
      expect(payload(nobody).userErrors).toEqual([{ code: "NOT_FOUND", message: `No API key with id "${missing}".`, field: ["id"] }]);
      expect(payload(garbage).userErrors[0].code).toBe("NOT_FOUND");
      expect(payload(theirs).apiKey).toBeNull();
    }
    expect(await works(victim.key)).toBe(true);
    expect((await attacker.client.data(LIST, { all: true })).apiKeys.map((k: any) => k.id)).not.toContain(victimKeyId);
    // Without a key nothing is listed or changed.
    const anonymous = await app.client("").request(LIST, { all: true });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("records last use in memory and writes it once per flush, not once per request", async () => {
    const owner = await app.account("FREE");
    const id = (await owner.client.data(LIST, { all: false })).apiKeys[0].id;
    await app.kinema.keyUsage!.flush();
    const row = async () => (await sql.query(`SELECT xmin::text AS version, last_used_at FROM api_keys WHERE id = $1`, [id])).rows[0];
    const before = await row();
    for (let i = 0; i < 30; i++) await owner.client.data(`{ me { tier } }`);
    const during = await row();
    expect(during.version).toBe(before.version); // 31 authenticated requests, no write to the key's row
    // The listing shows the use this process noted, before it is written.
    const listed = (await owner.client.data(LIST, { all: false })).apiKeys[0];
    expect(Date.now() - Date.parse(listed.lastUsedAt)).toBeLessThan(5_000);
    await app.kinema.keyUsage!.flush();
    const after = await row();
    expect(after.version).not.toBe(before.version);
    expect(Math.abs(after.last_used_at.getTime() - Date.parse(listed.lastUsedAt))).toBeLessThan(5_000);
  });
});

describe("kinema keys", () => {
  const kinema = (key: string, ...args: string[]) => run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "keys", ...args], {
    env: { ...process.env, KINEMA_URL: app.url, KINEMA_API_KEY: key },
  }).then((r) => ({ code: 0, ...r }), (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }));

  it("creates, lists, rotates and revokes the caller's keys, and refuses another account's", async () => {
    const owner = await app.account("FREE");
    const created = await kinema(owner.key, "create", "--name", "cli", "--json");
    expect(created.code).toBe(0);
    const made = JSON.parse(created.stdout);
    expect(made).toMatchObject({ apiKey: { name: "cli", active: true }, userErrors: [] });

    const listed = await kinema(owner.key, "list");
    expect(listed.stdout).toMatch(/^ID\s+PREFIX\s+NAME\s+CREATED\s+LAST USED\s+STATE/);
    expect(listed.stdout).toContain(made.key.slice(0, 12));
    expect(listed.stdout).toMatch(/active, this one/);
    expect(listed.stdout).not.toContain(made.key);
    expect(listed.stdout).not.toContain(owner.key);

    const rotated = await kinema(owner.key, "rotate", made.apiKey.id, "--grace", "60");
    expect(rotated.code).toBe(0);
    const newKey = /API key \(shown once\): (\S+)/.exec(rotated.stdout)![1]!;
    expect(rotated.stdout).toMatch(new RegExp(`replaces ${made.apiKey.id} .*stops working at \\d{4}-`));
    expect(await works(newKey)).toBe(true);
    expect(await works(made.key)).toBe(true); // grace period

    const revoked = await kinema(newKey, "revoke", made.apiKey.id);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${made.apiKey.id}`));
    expect(await works(made.key)).toBe(false);

    const stranger = await app.account("FREE");
    const refused = await kinema(stranger.key, "revoke", JSON.parse((await kinema(owner.key, "list", "--json")).stdout).apiKeys[0].id);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/No API key with id .* \[NOT_FOUND\]/);
    const usage = await kinema(owner.key, "rotate");
    expect(usage.code).toBe(2);
  }, 180_000); // seven CLI processes, each a few seconds of tsx start-up on a busy machine
});

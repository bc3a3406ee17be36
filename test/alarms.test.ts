// Alarms: each fires on inserted rows and clears when the rows say it should; Query.alarms lists them;
// the Prometheus rules in ops/prometheus/alerts.yml carry the same names and use metrics that exist.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { pino } from "pino";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor } from "./helpers/app.js";
import { GraphQLTestClient } from "./helpers/graphql.js";
import { insertAccount, insertRows, type JobRow } from "./helpers/ops.js";
import { AlarmEvaluator, type Alarm, type AlarmName } from "../src/ops/alarms.js";
import { registry } from "../src/ops/metrics.js";

let db: TestDatabase;
let pool: pg.Pool;
let account: string;
const logLines: Record<string, unknown>[] = [];
const log = pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  account = await insertAccount(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(async () => {
  await pool.query("DELETE FROM jobs");
  logLines.length = 0;
});

function byName(alarms: Alarm[], name: AlarmName): Alarm {
  return alarms.find((a) => a.name === name)!;
}

function evaluator(): AlarmEvaluator {
  return new AlarmEvaluator(pool, { intervalMs: 0, windowSeconds: 300 }, log);
}

const running = (n: number): JobRow[] => Array.from({ length: n }, () => ({ tier: "FREE", status: "RUNNING", createdAgo: 30, startedAgo: 20, updatedAgo: 1 }));

describe("alarms", () => {
  it("are all OK on a quiet system", async () => {
    const alarms = await evaluator().evaluate();
    expect(alarms.map((a) => [a.name, a.state, a.value, a.threshold])).toEqual([
      ["KinemaNanRateHigh", "OK", 0, 0.005],
      ["KinemaPlusQueueWaitHigh", "OK", null, 60],
      ["KinemaProvenanceFailures", "OK", 0, 0],
      ["KinemaRescanHits", "OK", 0, 0],
      ["KinemaPostfilterBlockRateSpike", "OK", null, 3],
    ]);
  });

  it("NaN rate: fires above 0.5% of the jobs active in the last 60 s, and clears", async () => {
    const alarms = evaluator();
    await insertRows(pool, account, running(99));
    const nanAt = new Date(Date.now() - 5_000).toISOString();
    const [nanJob] = await insertRows(pool, account, [{
      tier: "PLUS", status: "QUEUED", createdAgo: 30, startedAgo: 20, updatedAgo: 5,
      metadata: { failures: [{ attempt: 1, worker: "w1", code: "NAN_DETECTED", at: nanAt }, { attempt: 0, code: "WORKER_LOST", at: nanAt }] },
    }]);
    const fired = byName(await alarms.evaluate(), "KinemaNanRateHigh");
    expect(fired).toMatchObject({ state: "FIRING", value: 1 / 100 });
    expect(alarms.readings).toMatchObject({ nanEvents: 1, activeJobs: 100 });
    expect(logLines).toContainEqual(expect.objectContaining({ msg: "alarm firing", alarm: "KinemaNanRateHigh" }));

    // Twice the active jobs: 1 / 200 = 0.5%, not above it.
    await insertRows(pool, account, running(100));
    const held = byName(await alarms.evaluate(), "KinemaNanRateHigh");
    expect(held).toMatchObject({ state: "OK", value: 0.005 });
    expect(held.since.getTime()).toBeGreaterThan(fired.since.getTime());
    expect(logLines).toContainEqual(expect.objectContaining({ msg: "alarm cleared", alarm: "KinemaNanRateHigh" }));

    // Back to 100 active, but the NaN event is now older than 60 s.
    await pool.query("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'RUNNING' LIMIT 100)");
    expect(byName(await alarms.evaluate(), "KinemaNanRateHigh").state).toBe("FIRING");
    await pool.query(`UPDATE jobs SET metadata = jsonb_set(metadata, '{failures,0,at}', to_jsonb(now() - interval '61 seconds')) WHERE id = $1`, [nanJob]);
    expect(byName(await alarms.evaluate(), "KinemaNanRateHigh")).toMatchObject({ state: "OK", value: 0 });
  });

  it("PLUS p95 queue wait: fires above 60 s, counting jobs still waiting, and clears", async () => {
    const alarms = evaluator();
    const claimed: JobRow[] = Array.from({ length: 19 }, () => ({ tier: "PLUS", status: "SUCCEEDED", createdAgo: 100, startedAgo: 95, finishedAgo: 50 }));
    claimed.push({ tier: "PLUS", status: "RUNNING", createdAgo: 150, startedAgo: 50 }); // waited 100 s
    // FREE waits do not count.
    claimed.push({ tier: "FREE", status: "RUNNING", createdAgo: 250, startedAgo: 10 });
    await insertRows(pool, account, claimed);
    // 20 samples: nineteen 5 s and one 100 s → nearest-rank p95 = the 19th = 5 s.
    const ok = byName(await alarms.evaluate(), "KinemaPlusQueueWaitHigh");
    expect(ok).toMatchObject({ state: "OK", value: 5 });

    // A PLUS job waiting for 90 s now: 21 samples, p95 = the 20th = 90 s.
    const [waiting] = await insertRows(pool, account, [{ tier: "PLUS", status: "QUEUED", createdAgo: 90 }]);
    const firing = byName(await alarms.evaluate(), "KinemaPlusQueueWaitHigh");
    expect(firing.state).toBe("FIRING");
    expect(firing.value).toBeGreaterThanOrEqual(90);
    expect(firing.value).toBeLessThan(100);
    const again = byName(await alarms.evaluate(), "KinemaPlusQueueWaitHigh");
    expect(again.since).toEqual(firing.since);

    // Its claim was long ago (outside the 300 s window): p95 back to 5 s.
    await pool.query(`UPDATE jobs SET status = 'RUNNING', created_at = now() - interval '1000 seconds', started_at = now() - interval '400 seconds' WHERE id = $1`, [waiting]);
    expect(byName(await alarms.evaluate(), "KinemaPlusQueueWaitHigh")).toMatchObject({ state: "OK", value: 5 });
  });

  it("provenance failures: fires on any in the window, and clears", async () => {
    const alarms = evaluator();
    await insertRows(pool, account, [{ tier: "FREE", status: "FAILED", createdAgo: 60, startedAgo: 50, finishedAgo: 10, errorCode: "NAN_DETECTED" }]);
    expect(byName(await alarms.evaluate(), "KinemaProvenanceFailures")).toMatchObject({ state: "OK", value: 0 });
    const [failed] = await insertRows(pool, account, [{ tier: "FREE", status: "FAILED", createdAgo: 60, startedAgo: 50, finishedAgo: 10, errorCode: "PROVENANCE_INVALID" }]);
    expect(byName(await alarms.evaluate(), "KinemaProvenanceFailures")).toMatchObject({ state: "FIRING", value: 1 });
    await pool.query(`UPDATE jobs SET finished_at = now() - interval '301 seconds' WHERE id = $1`, [failed]);
    expect(byName(await alarms.evaluate(), "KinemaProvenanceFailures")).toMatchObject({ state: "OK", value: 0 });
  });

  it("are evaluated on an interval in each API process and listed by Query.alarms", async () => {
    const app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_ALARM_INTERVAL_MS: "100" } });
    try {
      const query = `{ alarms { name state value threshold since evaluatedAt description } }`;
      expect((await new GraphQLTestClient(app.url, null).request(query)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      const customer = await app.account("FREE", "USER");
      expect((await customer.client.request(query)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const { client } = await app.account("FREE", "SUPPORT");
      const first = (await client.data(query)).alarms as { name: string; state: string; since: string; evaluatedAt: string }[];
      expect(first.map((a) => [a.name, a.state])).toEqual([
        ["KinemaNanRateHigh", "OK"], ["KinemaPlusQueueWaitHigh", "OK"], ["KinemaProvenanceFailures", "OK"], ["KinemaRescanHits", "OK"], ["KinemaPostfilterBlockRateSpike", "OK"],
      ]);
      await insertRows(pool, account, [{ tier: "PLUS", status: "FAILED", createdAgo: 60, startedAgo: 50, finishedAgo: 1, errorCode: "PROVENANCE_INVALID" }]);
      const fired = await waitFor(async () => {
        const alarms = (await client.data(query)).alarms as { name: string; state: string; value: number; since: string }[];
        return alarms.find((a) => a.name === "KinemaProvenanceFailures" && a.state === "FIRING");
      }, 5_000, "the provenance alarm");
      expect(fired.value).toBe(1);
      expect(new Date(fired.since).getTime()).toBeGreaterThan(new Date(first[2]!.since).getTime());
    } finally {
      await app.stop();
    }
  });
});

describe("ops/prometheus/alerts.yml", () => {
  const rules = readFileSync(new URL("../ops/prometheus/alerts.yml", import.meta.url), "utf8");

  it("ships the three alarms under the names Query.alarms uses", () => {
    const names = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(["KinemaNanRateHigh", "KinemaPlusQueueWaitHigh", "KinemaProvenanceFailures", "KinemaRescanHits", "KinemaPostfilterBlockRateSpike"]));
  });

  it("uses only metrics this codebase exports", async () => {
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const used = new Set([...rules.matchAll(/\b(kinema_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, "")));
    expect(used.size).toBeGreaterThanOrEqual(5);
    for (const name of used) expect(exported, name).toContain(name);
  });
});

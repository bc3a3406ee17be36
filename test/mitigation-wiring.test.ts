// The PLUS-weight auto-mitigation through its real wiring (src/app.ts): the API process's alarm
// evaluator reads PostgreSQL on its interval, its readings drive the controller, and the controller
// writes the weight through the scheduler's config store (scheduler_config, which the claim reads).
// Time runs for real, made short by the config knobs: alarms every 100 ms, 300 ms between raises,
// 1.5 s of health before a revert. Checked as the README documents it: while PLUS p95 queue wait is
// over 30 s the weight is raised step by step to at most 8, each change logged, and restored when
// healthy; a weight an operator set is the one restored.
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKinema, type Kinema } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { createPool } from "../src/db/pool.js";
import { TEST_MODEL_DIR, waitFor } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { GraphQLTestClient } from "./helpers/graphql.js";
import { insertAccount, insertRows } from "./helpers/ops.js";

let db: TestDatabase;
let pool: pg.Pool;
let kinema: Kinema;
let account: string;
const logs: Record<string, unknown>[] = [];
const COOLDOWN_MS = 300;
const HEALTHY_MS = 1_500;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  account = await insertAccount(pool, "PLUS");
  const config = loadConfig({
    DATABASE_URL: db.url, PORT: "0", KINEMA_MODEL_DIR: TEST_MODEL_DIR,
    KINEMA_ALARM_INTERVAL_MS: "100", KINEMA_MITIGATION_COOLDOWN_MS: String(COOLDOWN_MS), KINEMA_MITIGATION_HEALTHY_MS: String(HEALTHY_MS),
  });
  // The process's own logger, kept: the controller's changes are logged lines.
  const log = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  kinema = await startKinema({ config, log, api: true, workers: 0, stages: [] });
});
afterAll(async () => {
  await kinema?.stop();
  await pool?.end();
  await db?.drop();
});

interface Change { from: number; to: number; msg: string; time: number }

/** The controller's logged weight changes since `index`. */
function changes(since: number): Change[] {
  return logs.slice(since).filter((l) => l.component === "mitigation" && typeof l.to === "number") as unknown as Change[];
}

async function stored() {
  const { rows } = await pool.query(`SELECT plus_weight, updated_by, reason, version FROM scheduler_config WHERE id = 1`);
  return rows[0] as { plus_weight: number; updated_by: string | null; reason: string | null; version: number };
}

async function surge(): Promise<void> {
  // One PLUS job waiting for 90 s: p95 90 s, over the mitigation's 30 s and the alarm's 60 s.
  await insertRows(pool, account, [{ tier: "PLUS", status: "QUEUED", createdAgo: 90 }]);
}

/** Every waiting PLUS job claimed an hour ago and delivered: PLUS p95 queue wait is healthy again. */
async function calm(): Promise<void> {
  await pool.query(`UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', started_at = now() - interval '1 hour', finished_at = now() WHERE status = 'QUEUED'`);
}

async function raisesTo(weight: number, since: number): Promise<Change[]> {
  await waitFor(async () => changes(since).some((c) => c.to === weight), 30_000, `the PLUS weight to reach ${weight}`);
  return changes(since);
}

describe("alarm-driven PLUS weight mitigation, wired", () => {
  it("holds while healthy, steps up one per cooldown to 8 while PLUS waits, holds at 8, and restores the base once healthy", async () => {
    // Healthy: ten evaluations or so, nothing changes.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await stored()).toMatchObject({ plus_weight: 2, version: 1, updated_by: null });

    const start = logs.length;
    await surge();
    const steps = await raisesTo(8, start);
    expect(steps.map((c) => [c.from, c.to])).toEqual([[2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 8]]);
    for (const c of steps) expect(c.msg).toMatch(new RegExp(`^auto-mitigation: PLUS p95 queue wait 9\\d\\.\\d s > 30 s; PLUS weight ${c.from} -> ${c.to}$`));
    // One raise per cooldown, not one per 100 ms evaluation: five cooldowns from the first raise to the
    // last (without the cooldown, 0.5 s). Log lines trail their decisions by a write's latency, hence the margin.
    expect(steps.at(-1)!.time - steps[0]!.time).toBeGreaterThanOrEqual(5 * COOLDOWN_MS - 250);
    // Stored where the claim reads it, by the auto-mitigation, with its reason; and in force in the process.
    expect(await stored()).toMatchObject({ plus_weight: 8, updated_by: "auto-mitigation", version: 7 });
    expect((await stored()).reason).toMatch(/PLUS weight 7 -> 8$/);
    expect(kinema.scheduler.current.plusWeight).toBe(8);
    // The alarm that drives it fires too.
    const user = await kinema.accounts.create({ name: "support", tier: "FREE", role: "SUPPORT" });
    const { alarms } = await new GraphQLTestClient(kinema.api!.url, user.apiKey).data(`{ alarms { name state value } }`);
    expect(alarms.find((a: { name: string }) => a.name === "KinemaPlusQueueWaitHigh")).toMatchObject({ state: "FIRING" });

    // Bounded: more evaluations over several cooldowns change nothing.
    await new Promise((r) => setTimeout(r, 4 * COOLDOWN_MS));
    expect(changes(start)).toHaveLength(6);

    // Healthy again (the job was claimed long ago): restored to 2 after HEALTHY_MS of health, not before.
    const healthyFrom = Date.now();
    await calm();
    const reverted = await waitFor(async () => changes(start).find((c) => c.to === 2), 30_000, "the revert");
    expect(reverted.from).toBe(8);
    expect(reverted.time - healthyFrom).toBeGreaterThanOrEqual(HEALTHY_MS);
    expect(reverted.msg).toMatch(/PLUS weight back 8 -> 2$/);
    expect(await stored()).toMatchObject({ plus_weight: 2, updated_by: "auto-mitigation" });
  }, 90_000);

  it("restores the weight an operator set after start-up, not the one the process started with", async () => {
    await calm();
    await kinema.scheduler.update({ plusWeight: 3 }, { reason: "operator: PLUS gets more", actor: "admin" });
    const start = logs.length;
    await surge();
    await raisesTo(4, start);
    await calm();
    const reverted = await waitFor(async () => changes(start).find((c) => c.msg.includes("back")), 30_000, "the revert");
    expect(reverted.to).toBe(3);
    expect((await stored()).plus_weight).toBe(3);
  }, 60_000);
});

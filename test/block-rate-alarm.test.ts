// The post-filter block-rate alarm (src/ops/block-rate.ts through the AlarmEvaluator): per category, the
// last hour's block rate against the 7 days before it. It stays OK on the baseline's own rate and on a
// spike below the minimum count, fires on a spike of one category (naming it in the log), and clears when
// the spike ages out of the hour. Rows in real PostgreSQL, as the workers write them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type pg from "pg";
import { pino } from "pino";
import { createPool } from "../src/db/pool.js";
import { AlarmEvaluator, type Alarm } from "../src/ops/alarms.js";
import { judgeCategory } from "../src/ops/block-rate.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount } from "./helpers/ops.js";

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

/** `n` finished jobs `agoSeconds` before now: SUCCEEDED, or BLOCKED by the post-filter with `category`. */
async function finished(n: number, agoSeconds: number, category: string | null): Promise<void> {
  await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget,
                       max_attempts, attempts, created_at, started_at, finished_at, updated_at, error_code, metadata)
     SELECT $1, 'FREE', $2::"JobStatus", 'POSTFILTER', 'rate row', 'R480P', 854, 480, 1, 24, 1, 5, 3, 1,
       now() - ($3 + 60) * interval '1 second', now() - ($3 + 30) * interval '1 second', now() - $3 * interval '1 second', now(),
       CASE WHEN $4::text IS NULL THEN NULL ELSE 'CONTENT_BLOCKED' END,
       CASE WHEN $4::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('postfilter', jsonb_build_object('category', $4::text)) END
     FROM generate_series(1, $5)`, [account, category ? "BLOCKED" : "SUCCEEDED", agoSeconds, category, n]);
}

const spike = (alarms: Alarm[]) => alarms.find((a) => a.name === "KinemaPostfilterBlockRateSpike")!;
const evaluator = () => new AlarmEvaluator(pool, { intervalMs: 0, windowSeconds: 300 }, log);
const DAY = 86_400;

describe("post-filter block-rate alarm", () => {
  it("judges one category: minimum count, factor, and the smoothed baseline", () => {
    expect(judgeCategory("nsfw", 5, 100, 10, 10_000)).toMatchObject({ firing: true }); // 5% vs ~0.11%
    expect(judgeCategory("nsfw", 4, 100, 0, 10_000).firing).toBe(false); // below 5 blocks
    expect(judgeCategory("nsfw", 6, 100, 0, 0).firing).toBe(false); // no history: baseline 1
    expect(judgeCategory("nsfw", 6, 100, 199, 9_999)).toMatchObject({ firing: false, ratio: 3 }); // exactly 3x: not above
  });

  it("stays OK at the baseline's own rate, fires on one category's spike, and clears when it ages out", async () => {
    // 7 days: 2,000 clean jobs, 40 nsfw blocks (2%) and 4 violence blocks (0.2%) spread over them
    await finished(2000, 3 * DAY, null);
    await finished(40, 2 * DAY, "nsfw");
    await finished(4, 2 * DAY, "violence");
    // the last hour at the same rates: 100 clean, 2 nsfw
    await finished(100, 600, null);
    await finished(2, 600, "nsfw");
    const alarms = evaluator();
    const quiet = spike(await alarms.evaluate());
    expect(quiet).toMatchObject({ state: "OK", value: null }); // no category has 5 blocks in the hour

    // nsfw at its usual 2%, with enough blocks to be judged: still OK
    await finished(200, 900, null);
    await finished(5, 900, "nsfw");
    const usual = spike(await alarms.evaluate());
    expect(usual.state).toBe("OK");
    expect(usual.value!).toBeLessThan(3);
    expect(usual.value!).toBeGreaterThan(0.5);

    // violence jumps from 0.2% to 6 in 307 (~2%, 10x): fires, and the log names the category
    await finished(6, 300, "violence");
    const fired = spike(await alarms.evaluate());
    expect(fired.state).toBe("FIRING");
    expect(fired.value!).toBeGreaterThan(3);
    const line = logLines.find((l) => l.msg === "alarm firing" && l.alarm === "KinemaPostfilterBlockRateSpike") as { categories: { category: string; recentBlocks: number }[] };
    expect(line.categories.map((c) => [c.category, c.recentBlocks])).toEqual([["violence", 6]]);

    // an hour later the spike is part of the baseline: OK again
    await pool.query(`UPDATE jobs SET finished_at = finished_at - interval '1 hour' WHERE finished_at >= now() - interval '1 hour'`);
    expect(spike(await alarms.evaluate())).toMatchObject({ state: "OK", value: null });
  }, 60_000);
});

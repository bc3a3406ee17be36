// A worker's fenced writes find their job by primary key, whatever the planner's statistics say. With
// statistics taken while every job was queued, `status = 'RUNNING'` made the partial jobs_running_idx look
// empty, as cheap as the primary key: the planner took it and read every running job's entry for each
// write (2,000 running jobs, one client: a progress row 1.2 ms and a heartbeat 0.9 ms, against 0.2 and
// 0.3 ms by key). The fenced statements compare `status::text`, which that index's predicate does not imply.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACK_CANCEL, BLOCK, COMPLETE, FAIL, RELEASE } from "../src/queue/sql/finishJob.js";
import { HEARTBEAT } from "../src/queue/sql/heartbeat.js";
import { RECORD_CHECKPOINT } from "../src/queue/sql/recordCheckpoint.js";
import { RECORD_PROGRESS } from "../src/queue/sql/recordProgress.js";
import { RESTART } from "../src/queue/sql/restartJob.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertJobs } from "./helpers/processes.js";

const FENCED: Record<string, string> = {
  heartbeat: HEARTBEAT, recordProgress: RECORD_PROGRESS, recordCheckpoint: RECORD_CHECKPOINT, failJob: FAIL,
  releaseJob: RELEASE, blockJob: BLOCK, acknowledgeCancel: ACK_CANCEL, restartJob: RESTART, completeJobs: COMPLETE,
};
/** a value of each parameter type the statements take (the custom plan is made for real-looking values) */
const SAMPLE: Record<string, unknown> = {
  text: "x", jsonb: "{}", integer: 1, bigint: 1, boolean: true, "double precision": 1, numeric: 1, '"JobStage"': "DENOISING",
};

let db: TestDatabase;
let client: pg.Client;
let job: { id: string; token: number };

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  // no autovacuum ANALYZE between the two: the statistics must stay those of the queued jobs
  await client.query("ALTER TABLE jobs SET (autovacuum_enabled = off)");
  for (let a = 0; a < 4; a++) await insertJobs(client as unknown as pg.Pool, 500);
  await client.query("ANALYZE jobs"); // every job queued: the running set looks empty to the planner
  await client.query(`UPDATE jobs SET status = 'RUNNING', stage = 'DENOISING', fencing_token = 7, lease_owner = 'w',
    lease_expires_at = now() + interval '1 minute', started_at = now(), attempts = 1`);
  const { rows } = await client.query("SELECT id, fencing_token::int AS token FROM jobs ORDER BY id LIMIT 1 OFFSET 1000");
  job = rows[0];
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** Every scan of `jobs` in an EXPLAIN (FORMAT JSON) plan: the index it reads by ("Seq Scan" when none). */
function jobScans(node: Record<string, unknown>, out: string[] = []): string[] {
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  if (node["Relation Name"] === "jobs" && node["Node Type"] !== "ModifyTable") {
    // a bitmap heap scan reads by the indexes of the bitmap index scans under it
    const bitmap = node["Node Type"] === "Bitmap Heap Scan" ? children.map((c) => c["Index Name"] as string | undefined) : [];
    out.push(...(bitmap.length ? bitmap.map(String) : [(node["Index Name"] as string | undefined) ?? String(node["Node Type"])]));
  }
  for (const child of children) jobScans(child, out);
  return out;
}

describe("fenced writes with statistics from before the jobs ran", () => {
  it("(the premise: there, `status = 'RUNNING'` by id reads the partial index, not the key)", async () => {
    const plan = await client.query(`EXPLAIN (FORMAT JSON) UPDATE jobs SET updated_at = now()
      WHERE id = ${client.escapeLiteral(job.id)} AND fencing_token = ${job.token} AND status = 'RUNNING'`);
    expect(jobScans((plan.rows[0]["QUERY PLAN"] as { Plan: Record<string, unknown> }[])[0]!.Plan)).toEqual(["jobs_running_idx"]);
  });

  it.each(Object.keys(FENCED))("%s reads its job by primary key, custom and generic plans alike", async (name) => {
    await client.query(`PREPARE ${name} AS ${FENCED[name]}`);
    try {
      const { rows } = await client.query<{ types: string[] }>("SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = $1", [name.toLowerCase()]);
      const values = rows[0]!.types.map((type, i) => {
        if (name === "completeJobs" && i === 0) return JSON.stringify([{ id: job.id, token: job.token, video: {}, metadata: {} }]);
        if (i === 0) return job.id;
        if (i === 1) return job.token;
        if (!(type in SAMPLE)) throw new Error(`no sample value for ${name}'s $${i + 1} (${type})`);
        return SAMPLE[type];
      });
      for (const mode of ["force_custom_plan", "force_generic_plan"]) {
        await client.query(`SET plan_cache_mode = ${mode}`);
        // EXECUTE takes no bind parameters (a utility statement): literals, cast to the prepared types
        const literals = values.map((v, i) => `${client.escapeLiteral(String(v))}::${rows[0]!.types[i]}`).join(", ");
        const plan = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE ${name}(${literals})`);
        const scans = jobScans((plan.rows[0]["QUERY PLAN"] as { Plan: Record<string, unknown> }[])[0]!.Plan);
        expect(scans.length, `${name} ${mode}`).toBeGreaterThan(0);
        for (const scan of scans) expect(scan, `${name} ${mode}: ${scans.join(", ")}`).toBe("jobs_pkey");
      }
    } finally {
      await client.query("RESET plan_cache_mode");
      await client.query(`DEALLOCATE ${name}`);
    }
  });
});

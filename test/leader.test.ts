// Duties that run once per fleet, elected with a PostgreSQL advisory lock (src/ops/leader.ts): one leader
// among many contenders, a clean handover on stop (the old duty stops before the new one starts), and
// failover when the leader's session dies. Then the real wiring: three API processes, one PLUS-weight
// mitigation stepping once per cooldown (three unelected controllers would step three times as often),
// and kill -9 of the leader hands both duties to a survivor within the retry bound.
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { LeaderElection } from "../src/ops/leader.js";
import { waitFor } from "./helpers/app.js";
import { killApis, logged, spawnApi, type ApiProcess } from "./helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount, insertRows } from "./helpers/ops.js";

let db: TestDatabase;
let pool: pg.Pool;
const silent = pino({ level: "silent" });

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

interface Contender { name: string; election: LeaderElection; terms: { from: number; to?: number }[] }

function contender(name: string, duty: string, retryMs: number): Contender {
  const election = new LeaderElection({ connectionString: db.url, duty, retryMs, log: silent });
  const c: Contender = { name, election, terms: [] };
  election.onElected = () => { c.terms.push({ from: Date.now() }); };
  election.onDeposed = async () => {
    await new Promise((r) => setTimeout(r, 50)); // a duty that takes a moment to stop
    c.terms.at(-1)!.to = Date.now();
  };
  election.start();
  return c;
}

const THIS_DATABASE = "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

const leaders = (cs: Contender[]) => cs.filter((c) => c.election.isLeader);

/** No two terms of different contenders overlap: the lead is never held twice at once. */
function expectNoOverlap(cs: Contender[]): void {
  const terms = cs.flatMap((c) => c.terms.map((t) => ({ ...t, to: t.to ?? Infinity }))).sort((a, b) => a.from - b.from);
  for (let i = 1; i < terms.length; i++) expect(terms[i]!.from).toBeGreaterThanOrEqual(terms[i - 1]!.to);
}

describe("LeaderElection", () => {
  const RETRY_MS = 200;

  it("elects one of three, hands over cleanly on stop, and fails over when the leader's session dies", async () => {
    const cs = ["a", "b", "c"].map((n) => contender(n, "test-duty", RETRY_MS));
    const others = [contender("x", "other-duty", RETRY_MS)];
    try {
      await waitFor(async () => leaders(cs).length === 1, 10_000, "a leader");
      await new Promise((r) => setTimeout(r, 5 * RETRY_MS));
      expect(leaders(cs)).toHaveLength(1);
      // Another duty has its own lock and its own leader.
      expect(others[0]!.election.isLeader).toBe(true);

      // Clean handover: stop() deposes (the duty stops) before unlocking; a follower takes over.
      const first = leaders(cs)[0]!;
      const stoppedAt = Date.now();
      await first.election.stop();
      const second = await waitFor(async () => leaders(cs.filter((c) => c !== first))[0], 10_000, "a second leader");
      expect(second.terms[0]!.from - stoppedAt).toBeLessThan(RETRY_MS + 2_000);

      // Failover: the server ends the leader's session (as it does when the leader's process dies).
      const { rows } = await pool.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 7434730 AND objid = hashtext('test-duty')::oid ${THIS_DATABASE}`);
      expect(rows).toHaveLength(1);
      const killedAt = Date.now();
      await pool.query(`SELECT pg_terminate_backend($1)`, [rows[0].pid]);
      // The old leader notices it lost its session and stops its duty; a leader (the same process on a new
      // session, or another) holds the lock again within the retry bound.
      await waitFor(async () => second.terms[0]!.to !== undefined, 10_000, "the old leader to step down");
      const next = await waitFor(async () => cs.flatMap((c) => c.terms).find((t) => t.from >= killedAt), 10_000, "a new term");
      expect(next.from - killedAt).toBeLessThan(RETRY_MS + 3_000);
      expect(leaders(cs)).toHaveLength(1);
      expectNoOverlap(cs);
    } finally {
      await Promise.all([...cs, ...others].map((c) => c.election.stop()));
    }
    // pg_locks spans the server; other test files' processes hold their own duties' locks in their databases.
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 7434730 ${THIS_DATABASE}`);
    expect(rows[0].n).toBe(0);
  }, 60_000);
});

describe("three API processes", () => {
  const COOLDOWN_MS = 1_000;
  const RETRY_MS = 500;
  let apis: ApiProcess[] = [];

  afterAll(async () => {
    await killApis(apis);
  });

  it("step the PLUS-weight mitigation once per cooldown, and a survivor takes over both duties after kill -9 of the leader", async () => {
    const env = {
      DATABASE_URL: db.url, KINEMA_ALARM_INTERVAL_MS: "100", KINEMA_MITIGATION_COOLDOWN_MS: String(COOLDOWN_MS),
      KINEMA_LEADER_RETRY_MS: String(RETRY_MS), KINEMA_KEY_USAGE_FLUSH_MS: "60000",
    };
    apis = ["api-1", "api-2", "api-3"].map((name) => spawnApi(name, env));
    await Promise.all(apis.map((a) => a.url));
    const electedFor = (duty: string) => apis.filter((a) => logged(a, (l) => l.msg === "elected leader" && l.duty === duty).length > 0);
    await waitFor(async () => electedFor("alarms").length === 1 && electedFor("lease-sweeper").length === 1, 20_000, "both duties elected");

    // A surge: one PLUS job waiting 90 s. The weight climbs 2 -> 8, one step per cooldown.
    const account = await insertAccount(pool, "PLUS");
    await insertRows(pool, account, [{ tier: "PLUS", status: "QUEUED", createdAgo: 90 }]);
    type Raise = { api: string; from: number; to: number; time: number };
    const raises = () => apis.flatMap((a) => logged(a, (l) => l.component === "mitigation" && typeof l.to === "number").map((l) => ({ ...l, api: a.name }) as unknown as Raise));
    await waitFor(async () => raises().some((r) => r.to === 8), 60_000, "the weight to reach 8");
    const steps = raises().sort((a, b) => a.time - b.time);
    expect(steps.map((s) => [s.from, s.to])).toEqual([[2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 8]]);
    // All by the one elected process, each a cooldown after the last (log lines trail decisions a little).
    expect(new Set(steps.map((s) => s.api))).toEqual(new Set([electedFor("alarms")[0]!.name]));
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.time - steps[i - 1]!.time).toBeGreaterThanOrEqual(COOLDOWN_MS - 150);
    const { rows } = await pool.query(`SELECT plus_weight, version FROM scheduler_config WHERE id = 1`);
    expect(rows[0]).toEqual({ plus_weight: 8, version: 7 });

    // kill -9 the alarms leader: a survivor is elected for every duty the dead one held.
    const leader = electedFor("alarms")[0]!;
    const held = ["alarms", "lease-sweeper"].filter((duty) => electedFor(duty).includes(leader));
    const killedAt = Date.now();
    leader.child.kill("SIGKILL");
    await leader.exited;
    const survivors = apis.filter((a) => a !== leader);
    for (const duty of held) {
      const next = await waitFor(async () => survivors.flatMap((a) => logged(a, (l) => l.msg === "elected leader" && l.duty === duty))[0], 20_000, `a new ${duty} leader`);
      // The dead session is released at once (its socket closes); a survivor tries within RETRY_MS. The
      // slack is for a loaded machine's log delivery.
      expect(next.seenAt - killedAt, duty).toBeLessThan(RETRY_MS + 4_000);
    }
    // The new leader adopted the last raise: at 8 (the maximum) it holds, no extra step at the failover.
    await new Promise((r) => setTimeout(r, 2 * COOLDOWN_MS));
    expect(raises().filter((r) => r.api !== leader.name)).toEqual([]);
    for (const duty of ["alarms", "lease-sweeper"]) expect(survivors.filter((a) => logged(a, (l) => l.msg === "elected leader" && l.duty === duty).length > 0).length, duty).toBeLessThanOrEqual(1);
  }, 120_000);
});

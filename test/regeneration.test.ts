// The regeneration rate (issue 15): accounts that submit a near-identical prompt (case, white space and
// punctuation folded) more than twice within KINEMA_REGENERATION_WINDOW_MINUTES, per tier and UTC day, in
// the staff report (Query.regenerationRate) and as kinema_regeneration_rate{tier}. The jobs are real
// submissions through generateVideo; only their times are moved afterwards (to space one account's
// submissions past the window, and to put the report on a day of its own).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { renderMetrics } from "../src/ops/metrics.js";

let db: TestDatabase;
let app: TestKinema;
type Client = Awaited<ReturnType<TestKinema["account"]>>;
let support: Client;
const ids: Record<string, string[]> = {};

const REPORT = `query($from: DateTime!, $to: DateTime!) { regenerationRate(from: $from, to: $to) {
  windowMinutes days { day tier accounts regeneratingAccounts rate } } }`;

async function submit(who: Client, name: string, prompts: string[]): Promise<void> {
  for (const prompt of prompts) {
    const { generateVideo } = await who.client.data(GENERATE, { input: { prompt, durationSeconds: 1, resolution: "R480P" } });
    expect(generateVideo.userErrors).toEqual([]);
    (ids[name] ??= []).push(generateVideo.job.id);
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_REGENERATION_WINDOW_MINUTES: "10" } });
  support = await app.account("PLUS", "SUPPORT");
  const [freeRegen, freeTwice, freeOnce, plusRegen, plusSpread] = await Promise.all([
    app.account("FREE"), app.account("FREE"), app.account("FREE"), app.account("PLUS"), app.account("PLUS"),
  ]);
  // FREE: one account regenerates (3 near-identical), one submits a prompt twice and a different one,
  // one submits once: 1 of 3. PLUS: one regenerates, one submits a prompt 3 times over 22 minutes: 1 of 2.
  await submit(freeRegen, "freeRegen", ["A paper boat on a pond!", "a paper  boat on a pond", "a PAPER boat, on a pond."]);
  await submit(freeTwice, "freeTwice", ["a paper boat on a pond", "a paper boat on a pond", "a paper boat on a lake"]);
  await submit(freeOnce, "freeOnce", ["a lighthouse at night"]);
  await submit(plusRegen, "plusRegen", ["a red circle moving left", "a red circle moving left", "A red circle moving left"]);
  await submit(plusSpread, "plusSpread", ["a storm over the harbour", "a storm over the harbour", "a storm over the harbour"]);
  // plusSpread's submissions 11 minutes apart: never 3 within 10 minutes.
  await app.kinema.pool.query(`UPDATE jobs SET created_at = now() - interval '22 minutes' WHERE id = $1`, [ids.plusSpread![0]]);
  await app.kinema.pool.query(`UPDATE jobs SET created_at = now() - interval '11 minutes' WHERE id = $1`, [ids.plusSpread![1]]);
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe("the regeneration rate", () => {
  it("is a gauge per tier over the last 24 hours", async () => {
    const { body } = await renderMetrics();
    const value = (tier: string) => Number(new RegExp(`^kinema_regeneration_rate\\{tier="${tier}"\\} (\\S+)$`, "m").exec(body)?.[1]);
    expect(value("FREE")).toBeCloseTo(1 / 3, 6);
    expect(value("PLUS")).toBeCloseTo(1 / 2, 6);
  });

  it("is reported to staff per tier and UTC day, with empty days at zero", async () => {
    // Move every job to 2026-06-15 12:00 UTC (keeping their spacing), so the days are known.
    await app.kinema.pool.query(`UPDATE jobs SET created_at = timestamptz '2026-06-15 12:00:00+00' + (created_at - (SELECT max(created_at) FROM jobs))`);
    const { regenerationRate } = await support.client.data(REPORT, { from: "2026-06-15T00:00:00Z", to: "2026-06-17T00:00:00Z" });
    expect(regenerationRate.windowMinutes).toBe(10);
    expect(regenerationRate.days).toEqual([
      { day: "2026-06-15", tier: "FREE", accounts: 3, regeneratingAccounts: 1, rate: 1 / 3 },
      { day: "2026-06-15", tier: "PLUS", accounts: 2, regeneratingAccounts: 1, rate: 0.5 },
      { day: "2026-06-16", tier: "FREE", accounts: 0, regeneratingAccounts: 0, rate: null },
      { day: "2026-06-16", tier: "PLUS", accounts: 0, regeneratingAccounts: 0, rate: null },
    ]);
    // A burst counts where the submission that completes it falls, its earlier ones may be before `from`:
    // a window holding only plusRegen's third submission still shows the burst.
    const third = (await app.kinema.pool.query(`SELECT created_at FROM jobs WHERE id = $1`, [ids.plusRegen![2]])).rows[0].created_at as Date;
    const only = (await support.client.data(REPORT, { from: third.toISOString(), to: new Date(third.getTime() + 1).toISOString() })).regenerationRate.days;
    expect(only.find((d: { tier: string }) => d.tier === "PLUS")).toEqual({ day: "2026-06-15", tier: "PLUS", accounts: 1, regeneratingAccounts: 1, rate: 1 });
  });

  it("is for staff only and refuses a bad window", async () => {
    const user = await app.account("FREE");
    const refused = await user.client.request(REPORT, { from: "2026-06-15T00:00:00Z", to: "2026-06-16T00:00:00Z" });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const long = await support.client.request(REPORT, { from: "2026-01-01T00:00:00Z", to: "2026-06-01T00:00:00Z" });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });
  });
});

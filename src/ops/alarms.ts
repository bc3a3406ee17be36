// Alarms, evaluated on an interval in each API process from the jobs table (so every API process agrees,
// whichever workers did the work) and listed by Query.alarms. The same conditions ship as Prometheus
// rules over the metrics of src/ops/metrics.ts in ops/prometheus/alerts.yml, with the same names.
//  - KinemaNanRateHigh: NAN_DETECTED failures (metadata.failures[].at) in the last 60 s over the jobs
//    active in those 60 s (running now, or started and touched in the window) > 0.5%.
//  - KinemaPlusQueueWaitHigh: p95 (nearest rank) of PLUS queue waits > 60 s, over the window: the waits
//    of jobs first claimed in it, and the waits so far of PLUS jobs still waiting (so a stalled queue fires).
//  - KinemaProvenanceFailures: jobs that ended FAILED with PROVENANCE_INVALID in the window > 0.
//  - KinemaRescanHits: delivered clips the rolling re-scan found failing today's post-filter in the window
//    (rescan_checks, outcome 'hit': taken down, or not when the takedown failed) > 0.
//  - KinemaPostfilterBlockRateSpike: a category's post-filter block rate in the last hour over its 7-day
//    baseline > 3, with at least 5 blocks in the hour (src/ops/block-rate.ts).
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import type { Logger } from "../log.js";
import { BLOCK_RATE_POLICY, readBlockRates, worstRatio, type CategoryBlockRate } from "./block-rate.js";

export const ALARM_THRESHOLDS = { nanRate: 0.005, plusQueueWaitP95Seconds: 60, provenanceFailures: 0, rescanHits: 0 } as const;
export const NAN_WINDOW_SECONDS = 60;

export type AlarmName = "KinemaNanRateHigh" | "KinemaPlusQueueWaitHigh" | "KinemaProvenanceFailures" | "KinemaRescanHits" | "KinemaPostfilterBlockRateSpike";

export interface Alarm {
  name: AlarmName;
  description: string;
  state: "FIRING" | "OK";
  /** null: nothing to measure (no PLUS job waited in the window) */
  value: number | null;
  threshold: number;
  /** when the alarm entered its current state (for a process's first evaluation: that evaluation) */
  since: Date;
  evaluatedAt: Date;
}

/** What the alarms read; plusQueueWaitP95Seconds is also the auto-mitigation's input (src/ops/mitigation.ts). */
export interface AlarmReadings {
  nanEvents: number;
  activeJobs: number;
  nanRate: number;
  plusQueueWaitP95Seconds: number | null;
  provenanceFailures: number;
  rescanHits: number;
  /** the post-filter's block rates per category (recent hour vs 7-day baseline) */
  blockRates: CategoryBlockRate[];
  at: Date;
}

const READINGS = `/* alarmReadings */
WITH nan AS (
  SELECT count(*)::int AS n FROM jobs j, jsonb_array_elements(coalesce(j.metadata->'failures', '[]'::jsonb)) f
  WHERE j.updated_at >= now() - $2 * interval '1 second'
    AND f->>'code' = 'NAN_DETECTED' AND (f->>'at')::timestamptz >= now() - $2 * interval '1 second'
), active AS (
  SELECT count(*)::int AS n FROM jobs
  WHERE started_at IS NOT NULL AND (status = 'RUNNING' OR updated_at >= now() - $2 * interval '1 second')
), plus AS (
  SELECT extract(epoch FROM started_at - created_at)::float8 AS s FROM jobs
  WHERE tier = 'PLUS' AND started_at >= now() - $1 * interval '1 second'
  UNION ALL
  SELECT extract(epoch FROM now() - created_at)::float8 FROM jobs
  WHERE tier = 'PLUS' AND status = 'QUEUED' AND started_at IS NULL
), provenance AS (
  SELECT count(*)::int AS n FROM jobs
  WHERE status = 'FAILED' AND error_code = 'PROVENANCE_INVALID' AND finished_at >= now() - $1 * interval '1 second'
), rescan AS (
  SELECT count(*)::int AS n FROM rescan_checks WHERE outcome = 'hit' AND checked_at >= now() - $1 * interval '1 second'
)
SELECT (SELECT n FROM nan) AS nan, (SELECT n FROM active) AS active,
  (SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY s) FROM plus) AS plus_p95,
  (SELECT n FROM provenance) AS provenance, (SELECT n FROM rescan) AS rescan, now() AS at`;

export async function readAlarmInputs(sql: Sql, windowSeconds: number): Promise<AlarmReadings> {
  const { rows } = await sql.query(READINGS, [windowSeconds, NAN_WINDOW_SECONDS]);
  const r = rows[0] as { nan: number; active: number; plus_p95: number | null; provenance: number; rescan: number; at: Date };
  const blockRates = await readBlockRates(sql);
  return {
    nanEvents: r.nan, activeJobs: r.active, nanRate: r.nan / Math.max(1, r.active),
    plusQueueWaitP95Seconds: r.plus_p95, provenanceFailures: r.provenance, rescanHits: r.rescan, blockRates, at: r.at,
  };
}

const DESCRIPTIONS: Record<AlarmName, string> = {
  KinemaNanRateHigh: `NAN_DETECTED failures over the last ${NAN_WINDOW_SECONDS} s per job active in them (fires above 0.5%).`,
  KinemaPlusQueueWaitHigh: "p95 queue wait of PLUS jobs in the window, still-waiting jobs included, in seconds (fires above 60 s).",
  KinemaProvenanceFailures: "Jobs that failed with PROVENANCE_INVALID in the window (fires above 0).",
  KinemaRescanHits: "Delivered clips the rolling re-scan found failing the post-filter in the window (fires above 0).",
  KinemaPostfilterBlockRateSpike: "Largest ratio of a category's post-filter block rate in the last hour to its 7-day baseline, among categories with >= 5 blocks in the hour (fires above 3).",
};

/** The alarms a set of readings makes, before their history (`since`) is applied. */
export function judge(readings: AlarmReadings): Omit<Alarm, "since" | "evaluatedAt">[] {
  const alarm = (name: AlarmName, value: number | null, threshold: number) => ({
    name, description: DESCRIPTIONS[name], value, threshold, state: value !== null && value > threshold ? "FIRING" as const : "OK" as const,
  });
  return [
    alarm("KinemaNanRateHigh", readings.nanRate, ALARM_THRESHOLDS.nanRate),
    alarm("KinemaPlusQueueWaitHigh", readings.plusQueueWaitP95Seconds, ALARM_THRESHOLDS.plusQueueWaitP95Seconds),
    alarm("KinemaProvenanceFailures", readings.provenanceFailures, ALARM_THRESHOLDS.provenanceFailures),
    alarm("KinemaRescanHits", readings.rescanHits, ALARM_THRESHOLDS.rescanHits),
    alarm("KinemaPostfilterBlockRateSpike", worstRatio(readings.blockRates), BLOCK_RATE_POLICY.factor),
  ];
}

export class AlarmEvaluator {
  private alarms = new Map<AlarmName, Alarm>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<Alarm[]> | null = null;
  /** the last readings, for the auto-mitigation and tests */
  readings: AlarmReadings | null = null;
  /** called after each evaluation (the owner wires the PLUS-weight mitigation here) */
  onEvaluated: ((readings: AlarmReadings) => void | Promise<void>) | null = null;

  constructor(private readonly sql: Sql, private readonly options: Config["alarms"], private readonly log: Logger) {}

  /** Evaluates every `intervalMs` (0: never in the background; Query.alarms then evaluates on request). */
  start(): void {
    if (this.timer || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.evaluate().catch(() => {}), this.options.intervalMs);
    this.timer.unref();
    void this.evaluate().catch(() => {});
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /** The alarms as last evaluated; evaluates first when nothing has been, or nothing runs in the background. */
  async list(): Promise<Alarm[]> {
    if (this.alarms.size === 0 || !this.timer) return this.evaluate();
    return [...this.alarms.values()];
  }

  /** One evaluation (concurrent calls share it); state changes are logged. */
  evaluate(): Promise<Alarm[]> {
    this.running ??= this.evaluateOnce().finally(() => { this.running = null; });
    return this.running;
  }

  private async evaluateOnce(): Promise<Alarm[]> {
    let readings: AlarmReadings;
    try {
      readings = await readAlarmInputs(this.sql, this.options.windowSeconds);
    } catch (error) {
      this.log.warn({ err: error }, "alarm evaluation failed; keeping the last states");
      throw error;
    }
    this.readings = readings;
    for (const judged of judge(readings)) {
      const previous = this.alarms.get(judged.name);
      const changed = !previous || previous.state !== judged.state;
      const alarm: Alarm = { ...judged, since: changed ? readings.at : previous.since, evaluatedAt: readings.at };
      this.alarms.set(alarm.name, alarm);
      if (changed && (previous || alarm.state === "FIRING")) {
        const categories = alarm.name === "KinemaPostfilterBlockRateSpike" ? readings.blockRates.filter((r) => r.firing) : undefined;
        const fields = { alarm: alarm.name, value: alarm.value, threshold: alarm.threshold, ...(categories ? { categories } : {}) };
        if (alarm.state === "FIRING") this.log.warn(fields, "alarm firing");
        else this.log.info(fields, "alarm cleared");
      }
    }
    if (this.onEvaluated) {
      try {
        await this.onEvaluated(readings);
      } catch (error) {
        this.log.warn({ err: error }, "alarm listener failed");
      }
    }
    return [...this.alarms.values()];
  }
}

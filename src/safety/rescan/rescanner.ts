// The rolling re-scan (the runbook's "a bank entry or threshold added today reaches yesterday's clips"):
// on a schedule, the elected process (src/app.ts, duty "rescan") takes a deterministic sample (default
// 10%, sample.ts) of the clips delivered in the last 24 hours, at most once per clip per UTC day, and
// runs each through the worker's own post-filter (src/safety/scan/postfilter.ts) against the hash bank
// and classifiers in force now. A hit takes the clip down through the TakeDown port and is recorded
// (rescan_checks, outcome 'hit'), which fires the KinemaRescanHits alarm (src/ops/alarms.ts), and is
// recorded as a safety incident (source RESCAN, src/safety/incidents).
//
// Cost: each clip is downloaded, decoded by ffmpeg and scanned: a 2 s 480p clip is ~1 s of CPU (hashing
// every frame, ~5 sampled frames through NSFW and face detection). At 10% of 10,000 clips a day that is
// ~17 minutes of one core spread over the day's hourly runs.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Sql } from "../../db/pool.js";
import type { Logger } from "../../log.js";
import type { ObjectStore } from "../../storage/store.js";
import type { HashBank } from "../banks/bank.js";
import { recordRescanIncident, rescanIncidentPattern } from "../incidents/store.js";
import type { FrameClassifier } from "../classifiers/index.js";
import { scanClip, withDecodedVideo, type ClipScan } from "../scan/index.js";
import type { SwitchesSource } from "../switches/service.js";
import { rescanClips, rescanHits, rescanLastRun, rescanRuns } from "./metrics.js";
import { utcDay } from "./sample.js";
import { claimClips, finishCheck, finishRun, insertRun, type ClaimedClip, type RescanRunRecord } from "./store.js";

/** Who takes a clip down: a staff member, or the re-scan itself. */
export type TakeDownActor = { kind: "staff"; accountId: string } | { kind: "rescan"; detail: string };
/** The takedown port (src/removal): removes the clip and its variants, makes its URLs 410, marks the job. */
export type TakeDown = (input: { jobId: string; reason: string; actor: TakeDownActor }) => Promise<unknown>;

export const RESCAN_WINDOW_SECONDS = 24 * 3600;

export interface RescanDeps {
  sql: Sql;
  store: ObjectStore;
  /** the bank in force now, asked for once per run (a file re-read, or the database's bank) */
  bank: () => Promise<HashBank>;
  classifiers: readonly FrameClassifier[];
  nciiThreshold: number;
  switches: SwitchesSource | null;
  takeDown: TakeDown;
  log: Logger;
}

export interface RescanOptions {
  /** share of the window's clips re-scanned each day (0 to 1; default 0.1) */
  rate: number;
  /** how often to run (0: only when runOnce is called) */
  everyMs: number;
  windowSeconds?: number;
}

export interface RescanHit { jobId: string; category: string; detail: string; takenDown: boolean }
export type RescanSummary = RescanRunRecord & { day: string; hitList: RescanHit[] };

export class Rescanner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RescanSummary> | null = null;

  constructor(private readonly deps: RescanDeps, private readonly options: RescanOptions) {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError(`re-scan rate must be 0 to 1, got ${options.rate}`);
  }

  start(): void {
    if (this.timer || this.options.everyMs <= 0) return;
    const tick = () => void this.runOnce().catch((error) => this.deps.log.error({ err: error }, "re-scan run failed"));
    // The first run waits one interval: a process elected (or restarted) often must not re-scan at once.
    this.timer = setInterval(tick, this.options.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /** One run (concurrent calls share it). `now` picks the sampling day (tests). */
  runOnce(now: Date = new Date()): Promise<RescanSummary> {
    this.running ??= this.run(now).finally(() => { this.running = null; });
    return this.running;
  }

  private async run(now: Date): Promise<RescanSummary> {
    const { sql, log } = this.deps;
    const windowSeconds = this.options.windowSeconds ?? RESCAN_WINDOW_SECONDS;
    const day = utcDay(now);
    const bank = await this.deps.bank();
    const id = await insertRun(sql, this.options.rate, windowSeconds);
    const claim = await claimClips(sql, id, day, this.options.rate, windowSeconds);
    const summary: RescanSummary = { id, day, candidates: claim.candidates, sampled: claim.sampled, scanned: 0, hits: 0, errors: 0, bank: bank.description, hitList: [] };
    for (const clip of claim.claimed) {
      let scan: ClipScan;
      try {
        scan = await this.scan(clip, bank);
      } catch (error) {
        summary.errors++;
        rescanClips.inc({ outcome: "error" });
        log.warn({ err: error, jobId: clip.jobId }, "re-scan could not scan a clip");
        await finishCheck(sql, clip.jobId, day, "error", null, { error: (error as Error).message });
        continue;
      }
      summary.scanned++;
      if (scan.verdict === "passed") {
        rescanClips.inc({ outcome: "clean" });
        await finishCheck(sql, clip.jobId, day, "clean", null, null);
        continue;
      }
      summary.hits++;
      summary.hitList.push(await this.hit(clip, scan, day));
    }
    await finishRun(sql, summary);
    rescanRuns.inc();
    rescanLastRun.set(Date.now() / 1000);
    log.info({ rescanRun: id, day, candidates: summary.candidates, sampled: summary.sampled, scanned: summary.scanned, hits: summary.hits, errors: summary.errors }, "re-scan run finished");
    return summary;
  }

  /** The clip as delivered: downloaded to a temporary folder, decoded, judged; the folder always goes. */
  private async scan(clip: ClaimedClip, bank: HashBank): Promise<ClipScan> {
    const dir = await mkdtemp(join(tmpdir(), "kinema-rescan-"));
    try {
      const opened = await this.deps.store.open(clip.key);
      if (!opened) throw new Error(`the delivered clip ${clip.key} is not in the store`);
      const path = join(dir, "clip.mp4");
      await pipeline(opened.stream, createWriteStream(path));
      const { switches } = this.deps;
      return await withDecodedVideo(path, (frames) => scanClip(frames, {
        bank, classifiers: this.deps.classifiers, nciiThreshold: this.deps.nciiThreshold,
        factor: () => switches?.current.thresholdFactor ?? 1,
      }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async hit(clip: ClaimedClip, scan: Extract<ClipScan, { verdict: "blocked" }>, day: string): Promise<RescanHit> {
    const detail = describeHit(scan);
    let takenDown = false;
    let takedownError: string | null = null;
    try {
      await this.deps.takeDown({ jobId: clip.jobId, reason: `Re-scan found ${scan.category} content after delivery.`, actor: { kind: "rescan", detail } });
      takenDown = true;
    } catch (error) {
      takedownError = (error as Error).message;
      this.deps.log.error({ err: error, jobId: clip.jobId }, "re-scan hit: the takedown failed; the clip is still delivered");
    }
    // Recorded as a hit either way: the alarm must fire, most of all when the takedown failed.
    await finishCheck(this.deps.sql, clip.jobId, day, "hit", scan.category, { ...scan.audit, summary: detail, takenDown, takedownError });
    // For the weekly review, beside the blocks: what a delivered clip matched, and how many clips it reached.
    await recordRescanIncident(this.deps.sql, { jobId: clip.jobId, ...rescanIncidentPattern(scan.category, scan.audit) })
      .catch((error) => this.deps.log.error({ err: error, jobId: clip.jobId }, "re-scan hit: could not record the safety incident"));
    rescanClips.inc({ outcome: "hit" });
    rescanHits.inc({ category: scan.category });
    this.deps.log.error({ jobId: clip.jobId, category: scan.category, detail, takenDown }, "re-scan hit: a delivered clip fails today's post-filter");
    return { jobId: clip.jobId, category: scan.category, detail, takenDown };
  }
}

/** One line for the takedown record: which check tripped, on which frame. */
function describeHit(scan: Extract<ClipScan, { verdict: "blocked" }>): string {
  const matches = (scan.audit.hashGate as { matches?: { frame: number; label: string; distance: number }[] } | undefined)?.matches ?? [];
  if (scan.category === "csam" && matches.length > 0) {
    const m = matches[0]!;
    return `hash bank match "${m.label}" at frame ${m.frame} (distance ${m.distance}; ${matches.length} frame(s) matched)`;
  }
  const flagged = (scan.audit.flagged as { frame: number; category: string }[] | undefined) ?? [];
  return `${scan.category} at frame ${flagged[0]?.frame ?? "?"} (${flagged.length} sampled frame(s) flagged)`;
}

// The pre-filter as JobService sees it: check(prompt), synchronous and in memory (a few microseconds).
// Each API process keeps a compiled RuleSet and polls the stored version every KINEMA_SAFETY_POLL_MS
// (default 1 s; one primary-key read); when it moved, the process reloads the enabled rules and swaps
// the compiled set. So a change made through any process is in force everywhere within one poll plus a
// reload (well under the 5 s the runbook promises), with no restart and no bus message to lose. The
// process that made a change reloads at once. The public-figure list (a file: the shipped one, or
// KINEMA_PUBLIC_FIGURES_FILE, e.g. a mounted ConfigMap) reloads the same way: each poll compares the
// file's modification time and size, and a changed file is read and compiled with the rules in force.
// A file that cannot be read or holds no name keeps the last good list (and says so in the log).
import { startPoller, type Poller } from "../../db/poller.js";
import { readFile, stat } from "node:fs/promises";
import type { Sql } from "../../db/pool.js";
import type { Logger } from "../../log.js";
import { RuleSet, type PrefilterDecision, type RuleRow, type SafetyCategory } from "./rules.js";
import { loadRules, ruleSetVersion } from "./store.js";

export const PUBLIC_FIGURES_FILE = new URL("./data/public-figures.txt", import.meta.url);

/** The port JobService depends on. */
export interface PromptFilter {
  check(prompt: string): PrefilterDecision;
}

export interface PrefilterOptions {
  /** how often to poll the rule-set version; 0: load once, never poll (processes without the API) */
  pollMs: number;
  publicFiguresFile?: URL | string;
}

export class PrefilterService implements PromptFilter {
  private poller: Poller | null = null;
  private inFlight: Promise<boolean> | null = null;

  private constructor(
    private readonly sql: Sql, private readonly figuresFile: URL | string, private figures: FiguresFile,
    private rows: RuleRow[], private readonly log: Logger, private rules: RuleSet,
  ) {}

  /** Loads the public-figure list and the current rule set; starts polling when `pollMs` > 0. */
  static async start(sql: Sql, options: PrefilterOptions, log: Logger): Promise<PrefilterService> {
    const file = options.publicFiguresFile ?? PUBLIC_FIGURES_FILE;
    const figures = await readFiguresFile(file);
    if (figures.names.length === 0) throw new Error(`the public-figure list ${String(file)} holds no name`);
    const { version, rows } = await loadRules(sql);
    const service = new PrefilterService(sql, file, figures, rows, log, compile(rows, version, figures.names, log));
    if (options.pollMs > 0) service.schedule(options.pollMs);
    return service;
  }

  /** How many names the public-figure list in force holds. */
  get publicFigures(): number {
    return this.figures.names.length;
  }

  /** The version of the rule set in force in this process. */
  get version(): number {
    return this.rules.version;
  }

  check(prompt: string): PrefilterDecision {
    return this.rules.check(prompt);
  }

  /** The categories the prompt comes near (RuleSet.touched), for a suspended category. */
  touched(prompt: string): Set<SafetyCategory> {
    return this.rules.touched(prompt);
  }

  /** Reloads the rules if the stored version moved; true when a new set was put in force. */
  refresh(): Promise<boolean> {
    // One reload at a time: a poll and a local change arriving together share it.
    this.inFlight ??= this.reload().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  /** Reloads until this process has `version` or newer (a reload already under way may predate it). */
  async catchUp(version: number): Promise<void> {
    for (let tries = 0; tries < 3 && this.rules.version < version; tries++) await this.refresh();
  }

  async stop(): Promise<void> {
    this.poller?.stop();
    await this.inFlight?.catch(() => {});
  }

  private async reload(): Promise<boolean> {
    const figures = await this.changedFigures();
    const rulesMoved = await ruleSetVersion(this.sql) !== this.rules.version;
    if (!rulesMoved && !figures) return false;
    let { version } = this.rules;
    if (rulesMoved) {
      const loaded = await loadRules(this.sql);
      // Never step back (a slower reload finishing after a newer one).
      if (loaded.version > this.rules.version) ({ version, rows: this.rows } = loaded);
      else if (!figures) return false;
    }
    if (figures) this.figures = figures;
    this.rules = compile(this.rows, version, this.figures.names, this.log);
    this.log.info({ ruleSetVersion: version, rules: this.rows.length, publicFigures: this.figures.names.length }, "safety rule set reloaded");
    return true;
  }

  /** The public-figure list when its file changed since it was read and still holds names; else null. */
  private async changedFigures(): Promise<FiguresFile | null> {
    try {
      if (await stamp(this.figuresFile) === this.figures.stamp) return null;
      const figures = await readFiguresFile(this.figuresFile);
      if (figures.names.length > 0) return figures;
      this.log.warn({ file: String(this.figuresFile) }, "the public-figure list holds no name; the last good list stays in force");
    } catch (error) {
      this.log.warn({ err: error, file: String(this.figuresFile) }, "could not read the public-figure list; the last good list stays in force");
    }
    return null;
  }

  private schedule(pollMs: number): void {
    // The last good set stays in force; a database that cannot answer this cannot queue jobs either.
    this.poller = startPoller(pollMs, () => this.refresh(), (error) => this.log.warn({ err: error }, "could not poll the safety rule set"));
  }
}

function compile(rows: RuleRow[], version: number, figures: string[], log: Logger): RuleSet {
  const rules = new RuleSet(rows, version, figures);
  if (rules.skipped.length) log.warn({ ruleSetVersion: version, skipped: rules.skipped }, "safety rules that do not compile were left out");
  return rules;
}

interface FiguresFile { names: string[]; stamp: string }

async function stamp(file: URL | string): Promise<string> {
  const s = await stat(file);
  return `${s.mtimeMs}:${s.size}`;
}

async function readFiguresFile(file: URL | string): Promise<FiguresFile> {
  // The stamp first: a write landing between the two reads is seen again at the next poll.
  const before = await stamp(file);
  return { stamp: before, names: await readPublicFigures(file) };
}

/** One name per line; `#` starts a comment. Names are matched as whole words, like TERM rules. */
export async function readPublicFigures(file: URL | string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  return text.split("\n").map((line) => line.replace(/#.*/, "").trim()).filter(Boolean);
}

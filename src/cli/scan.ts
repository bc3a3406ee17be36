// `kinema scan clip.mp4 [--bank FILE] [--frames] [--json]`: the post-filter's scanner on any video file
// (re-scanning delivered clips): decode with ffmpeg, then the every-frame CSAM hash gate against a hash
// bank. Exit 0 when clean, 1 when blocked, 2 on usage or input errors (including a file that cannot be
// decoded: it was not scanned, so it is not reported clean).
import { parseArgs } from "node:util";
import { HashBankFormatError, InMemoryHashBank, loadHashBankFile, type HashBank } from "../safety/banks/index.js";
import { VideoDecodeError, withDecodedVideo, runHashGate, type DecodedVideo, type HashGateResult } from "../safety/scan/index.js";
import { CliError } from "./errors.js";

export const SCAN_HELP = `Usage: kinema scan FILE.mp4 [--bank FILE] [--frames] [--json]

Decodes every frame of FILE with ffmpeg (at the clip's own rate) and runs the
post-filter's hash gate: each frame's PDQ hash is matched against the hash bank
(Hamming distance <= 31; frames of PDQ quality < 50 are skipped, as PDQ requires).
One matching frame blocks the clip (category csam).

Options:
  --bank FILE   hash bank: lines "hexhash,label" (64 hex digits), # comments
                (default: the file named by KINEMA_HASH_BANK; without either,
                the gate has nothing to match and says so)
  --frames      also print every frame's hash and quality
  --json        one JSON object on stdout

Exit codes: 0 clean; 1 blocked; 2 usage or input error (no such file, not a
video, a malformed bank).`;

const MAX_LISTED_MATCHES = 20;

export async function scanCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      bank: { type: "string" },
      frames: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new CliError(SCAN_HELP);
  const bankPath = values.bank ?? (process.env.KINEMA_HASH_BANK || undefined);
  const bank = await openBank(bankPath);

  let report: ScanReport;
  try {
    report = await withDecodedVideo(file, async (video) => {
      // 1. The CSAM hash gate: every frame, blocking, before anything else.
      const gate = await runHashGate(video, bank);
      // 2. Hook for the sampled-frame classifiers (NSFW, likeness): run them here on
      //    sampledFrames(video.count) (readFrames gives the pixels) only when the gate passed,
      //    while the decoded frames still exist, and fold their verdict into `blocked` below.
      return { file, video, gate, classifiers: null };
    });
  } catch (error) {
    if (error instanceof VideoDecodeError) throw new CliError(error.message);
    throw error;
  }

  const blocked = report.gate.verdict.blocked;
  if (!bankPath) console.error("kinema: no hash bank (--bank FILE or KINEMA_HASH_BANK): the hash gate had nothing to match against");
  if (values.json) console.log(JSON.stringify(toJson(report, bankPath ?? null, values.frames)));
  else printReport(report, bankPath ?? null, values.frames);
  process.exitCode = blocked ? 1 : 0;
}

interface ScanReport {
  file: string;
  video: DecodedVideo;
  gate: HashGateResult;
  /** the classifiers' results, once they are wired in (see the hook above) */
  classifiers: null;
}

async function openBank(path: string | undefined): Promise<HashBank> {
  if (!path) return new InMemoryHashBank([], { description: "no bank (0 hashes)" });
  try {
    return await loadHashBankFile(path);
  } catch (error) {
    if (error instanceof HashBankFormatError) throw new CliError(`bad hash bank: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read hash bank ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

function toJson(report: ScanReport, bankPath: string | null, withFrames: boolean): Record<string, unknown> {
  const { video, gate } = report;
  const { verdict, summary } = gate;
  return {
    file: report.file,
    blocked: verdict.blocked,
    category: verdict.category,
    frames: video.count,
    width: video.width,
    height: video.height,
    fps: video.fps,
    bank: { path: bankPath, size: summary.bankSize },
    hashGate: {
      blocked: verdict.blocked,
      compared: summary.compared,
      skipped: summary.skipped,
      matched: summary.matched,
      matchedShare: round(summary.matchedShare, 4),
      matches: verdict.matches.map((m) => ({ frame: m.frame, label: m.label, distance: m.distance, bankHash: m.bankHash, hash: m.hash, quality: m.quality })),
      ms: Math.round(summary.hashMs + summary.lookupMs),
    },
    classifiers: report.classifiers,
    ...(withFrames ? { frameHashes: gate.frames.map((f) => ({ frame: f.index, hash: f.hash, quality: f.quality, skipped: f.skipped })) } : {}),
  };
}

function printReport(report: ScanReport, bankPath: string | null, withFrames: boolean): void {
  const { video, gate } = report;
  const { verdict, summary } = gate;
  console.log(`${report.file}: ${verdict.blocked ? `BLOCKED (${verdict.category})` : "clean"}`);
  console.log(`  frames:     ${video.count} (${video.width}x${video.height}${video.fps ? `, ${video.fps} fps` : ""})`);
  console.log(`  hash bank:  ${bankPath ?? "none"} (${summary.bankSize} hashes)`);
  console.log(
    `  hash gate:  ${summary.compared} compared, ${summary.skipped} skipped (quality < 50), ${summary.matched} matched` +
      (summary.compared > 0 ? ` (${(summary.matchedShare * 100).toFixed(1)}%)` : "") +
      ` in ${Math.round(summary.hashMs + summary.lookupMs)} ms`,
  );
  if (verdict.matches.length > 0) {
    console.log("  matches:    frame  distance  label");
    for (const m of verdict.matches.slice(0, MAX_LISTED_MATCHES)) console.log(`              ${String(m.frame).padStart(5)}  ${String(m.distance).padStart(8)}  ${m.label}`);
    if (verdict.matches.length > MAX_LISTED_MATCHES) console.log(`              ... ${verdict.matches.length - MAX_LISTED_MATCHES} more (--json lists all)`);
  }
  if (withFrames) {
    console.log("  frame  quality  hash");
    for (const f of gate.frames) console.log(`  ${String(f.index).padStart(5)}  ${String(f.quality).padStart(7)}  ${f.hash}${f.match ? `  match ${f.match.label} (${f.match.distance})` : ""}`);
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

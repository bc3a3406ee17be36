// Real API processes (`src/main.ts`, server mode) for tests that need several of them: leader election,
// the cluster topology. Each binds its own port (PORT=0) and prints its URL on stderr; its JSON log lines
// are kept for the test to read.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PINO_WARN = 40;

export interface ApiProcess {
  name: string;
  child: ChildProcess;
  /** its GraphQL URL, once it listens */
  url: Promise<string>;
  exited: Promise<number | null>;
  /** every JSON log line it wrote so far, in order, with the time the test read it */
  logs: (Record<string, unknown> & { seenAt: number })[];
}

export function spawnApi(name: string, env: Record<string, string>): ApiProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", KINEMA_API_METRICS_PORT: "0", LOG_LEVEL: "info", KINEMA_MODEL_DIR: "models/kinema-tiny", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const logs: ApiProcess["logs"] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let entry: Record<string, unknown> | null = null;
    try { entry = JSON.parse(line) as Record<string, unknown>; } catch { /* not a log line */ }
    if (!entry) return;
    logs.push({ ...entry, seenAt: Date.now() });
    if (typeof entry.level === "number" && entry.level >= PINO_WARN && process.env.KINEMA_TEST_QUIET !== "1") process.stdout.write(`[${name}] ${line}\n`);
  });
  const url = new Promise<string>((resolve, reject) => {
    exited.then((code) => reject(new Error(`API ${name} exited (${code}) before it listened`)), () => {});
    createInterface({ input: child.stderr! }).on("line", (line) => {
      const match = /Kinema is running: (\S+)/.exec(line);
      if (match) resolve(match[1]!);
      else process.stderr.write(`[${name}] ${line}\n`);
    });
  });
  url.catch(() => {});
  return { name, child, url, exited, logs };
}

/** The log lines of `api` that `match` (a message, or a predicate). */
export function logged(api: ApiProcess, match: string | ((entry: Record<string, unknown>) => boolean)) {
  return api.logs.filter((entry) => (typeof match === "string" ? entry.msg === match : match(entry)));
}

/** SIGKILLs what still runs and waits for it. */
export async function killApis(apis: ApiProcess[]): Promise<void> {
  for (const api of apis) api.child.kill("SIGKILL");
  await Promise.all(apis.map((api) => api.exited));
}

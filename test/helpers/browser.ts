// Headless Chromium for the studio's end-to-end tests: Debian's build at /usr/bin/chromium driven by
// playwright-core (never a browser downloaded by Playwright: the machines have no network), and the
// studio's bundle built when it is missing or older than its sources.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type ConsoleMessage, type Page } from "playwright-core";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Without the background-networking flags Chromium keeps trying to reach Google on a closed network. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic",
];

/**
 * Chromium with a fresh profile (Playwright's launch makes a temporary user data dir and removes it on
 * close). Fails, never skips, when the browser is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. The studio's browser tests need Debian's chromium package `
      + "(apt-get install -y chromium), or CHROMIUM_PATH pointing at a Chromium binary.");
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** Problems the page reported: uncaught exceptions and console errors (CSP violations among them). */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return problems;
}

const STUDIO_SOURCES = ["web/src", "web/index.html", "web/tsconfig.json", "vite.config.ts"];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** Runs `npm run build` when web/dist/index.html is missing or older than any studio source. */
export async function ensureStudioBuilt(): Promise<void> {
  const built = await stat(join(ROOT, "web/dist/index.html")).catch(() => null);
  const sources = Math.max(...(await Promise.all(STUDIO_SOURCES.map((p) => newestMtime(join(ROOT, p))))));
  if (built && built.mtimeMs >= sources) return;
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  await run("npm", ["run", "build"], { cwd: ROOT, timeout: 120_000, env: { ...process.env, NODE_ENV: "production" } });
}

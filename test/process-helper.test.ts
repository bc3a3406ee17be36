// Child processes (ffmpeg, openssl) run through src/processes: directly, or spawned by the helper process a
// worker forks once (run.ts says why). Both adapters: stdin, exit status, stderr, a command that cannot
// start. The helper: its children are its own, not this process's; this process's memory is not made
// copy-on-write by them; a helper that dies fails what it ran and is replaced; it goes, with what it
// still runs, when its parent goes.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directRunner } from "../src/processes/direct.js";
import { HelperRunner } from "../src/processes/helper.js";
import { ProcessStartError, type ProcessRunner } from "../src/processes/types.js";
import { waitFor } from "./helpers/app.js";

const helper = new HelperRunner();
let scratch: string;
beforeAll(async () => { scratch = await mkdtemp(join(tmpdir(), "kinema-process-helper-")); });
afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
/** This process's minor page faults so far (all its threads). */
const minorFaults = () => Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[7]);

describe.each<[string, ProcessRunner]>([["direct", directRunner], ["helper", helper]])("the %s runner", (_, runner) => {
  it("gives the child its stdin and returns its exit code and stderr", async () => {
    const exit = await runner.run("sh", ["-c", "cat >&2; exit 3"], [Buffer.from("frames "), Buffer.from("and more")]);
    expect(exit).toEqual({ code: 3, signal: null, stderr: "frames and more" });
    expect(await runner.run("sh", ["-c", "kill -TERM $$"])).toMatchObject({ code: null, signal: "SIGTERM" });
  });

  it("refuses a command that does not exist with a typed error", async () => {
    const error = await runner.run("/nonexistent/kinema-ffmpeg", ["-version"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect((error as Error).message).toMatch(/ENOENT/);
  });

  it("keeps the head and the tail of a long stderr", async () => {
    const { stderr } = await runner.run("sh", ["-c", "echo FIRST >&2; head -c 300000 /dev/zero | tr '\\0' a >&2; echo LAST >&2"]);
    expect(stderr.startsWith("FIRST\n")).toBe(true);
    expect(stderr.endsWith("LAST\n")).toBe(true);
    expect(stderr.length).toBeLessThan(140_000);
  });
});

describe("the helper", () => {
  it("is the parent of the children it runs, and several run at once", async () => {
    const pid = helper.start();
    expect(pid).not.toBe(process.pid);
    const began = performance.now();
    const parents = await Promise.all([1, 2, 3].map(() => helper.run("sh", ["-c", "sleep 0.5; echo $PPID >&2"])));
    expect(performance.now() - began).toBeLessThan(1_400);
    for (const exit of parents) expect(exit.stderr.trim()).toBe(String(pid));
  });

  it("leaves this process's memory as it was, where a direct spawn makes every written page fault again", async () => {
    const memory = new Float64Array(64 * 1024 * 1024 / 8); // 64 MiB, 16,384 pages of 4 KiB
    const write = (value: number) => { memory.fill(value); };
    const faultsAfter = async (runner: ProcessRunner) => {
      write(1); // resident, written
      await runner.run("true", []);
      const before = minorFaults();
      write(2);
      return minorFaults() - before;
    };
    helper.start();
    const direct = await faultsAfter(directRunner);
    const viaHelper = await faultsAfter(helper);
    // copy-on-write after fork: at least one fault per 2 MiB huge page, one per 4 KiB page without them
    expect(direct).toBeGreaterThanOrEqual(32);
    expect(viaHelper).toBeLessThan(direct / 4);
  });

  it("that dies fails what it was running, kills its children, and is replaced by the next call", async () => {
    const pid = helper.start();
    const childPidFile = join(scratch, "killed-child");
    const running = helper.run("sh", ["-c", `echo $$ > ${childPidFile}; exec sleep 30`]);
    await waitFor(async () => (await readFile(childPidFile, "utf8").catch(() => "")).trim() !== "", 5_000, "the child started");
    const childPid = Number((await readFile(childPidFile, "utf8")).trim());
    await new Promise((resolve) => setTimeout(resolve, 100)); // the helper's "started" message crosses
    process.kill(pid, "SIGKILL");
    await expect(running).rejects.toThrow(/process helper (exited \(SIGKILL\)|closed its channel)/);
    await waitFor(async () => !alive(childPid), 5_000, "the dead helper's child killed");
    expect(await helper.run("sh", ["-c", "echo $PPID >&2"])).toMatchObject({ code: 0 });
    const next = helper.start();
    expect(next).not.toBe(pid);
    expect(alive(next)).toBe(true);
  });

  it("whose channel closes as two requests are sent sends both to a new helper", async () => {
    const old = helper.start();
    (helper as unknown as { child: ChildProcess }).child.disconnect();
    const [a, b] = await Promise.all([helper.run("sh", ["-c", "echo $PPID >&2"]), helper.run("sh", ["-c", "echo $PPID >&2"])]);
    const next = helper.start();
    expect(next).not.toBe(old);
    expect([a.stderr.trim(), b.stderr.trim()]).toEqual([String(next), String(next)]);
  });

  it("goes when its parent process goes, killing what it still runs", async () => {
    const pids = join(scratch, "pids");
    const script = `
      import { startProcessHelper, runProcess } from "./src/processes/run.ts";
      import { writeFileSync } from "node:fs";
      const helper = startProcessHelper();
      void runProcess("sh", ["-c", "echo " + helper + " $$ > ${pids}; exec sleep 60"]);
      setTimeout(() => process.exit(0), 1000);`;
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: "ignore" });
    await new Promise((resolve) => parent.once("exit", resolve));
    const [helperPid, childPid] = (await readFile(pids, "utf8")).trim().split(" ").map(Number) as [number, number];
    expect(helperPid).toBeGreaterThan(0);
    await waitFor(async () => !alive(helperPid) && !alive(childPid), 5_000, "the helper and its child gone");
  });
});

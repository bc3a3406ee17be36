// The parent's side of bench/fleet.ts's simulated worker hosts (fleet-host.ts): forks them, splits a
// level's slots among them, relays each watched step's send time to the watchers and gathers what each
// host measured.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { QueueConfig } from "../../src/queue/queue.js";
import type { HostRun, HostStats } from "./fleet-host.js";
import { withTimeout } from "./stats.js";

const HOST_SCRIPT = fileURLToPath(new URL("./fleet-host.ts", import.meta.url));

type Message = { type: string; [k: string]: unknown };

class Host {
  private readonly waiters = new Map<string, (m: Message) => void>();
  readonly exited: Promise<void>;
  onSent: (jobId: string, step: number, at: number) => void = () => {};

  constructor(readonly child: ChildProcess, readonly index: number) {
    child.on("message", (m: Message) => {
      if (m.type === "sent") this.onSent(m.jobId as string, m.step as number, m.at as number);
      else this.waiters.get(m.type)?.(m);
      if (m.type === "error") this.waiters.get("done")?.(m);
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  next(type: string, ms: number): Promise<Message> {
    return withTimeout(new Promise<Message>((resolve) => this.waiters.set(type, resolve)), ms, `fleet host ${this.index} ${type}`);
  }
}

export class FleetHosts {
  private constructor(private readonly hosts: Host[]) {}

  /** Forks `count` hosts, each with a pool of `poolEach` connections plus its bus's LISTEN connection. */
  static async start(count: number, databaseUrl: string, poolEach: number, queueConfig: QueueConfig): Promise<FleetHosts> {
    const hosts = Array.from({ length: count }, (_, i) => new Host(fork(HOST_SCRIPT, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_FLEET_HOST_POOL: String(poolEach), BENCH_FLEET_QUEUE_CONFIG: JSON.stringify(queueConfig) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }), i));
    const fleet = new FleetHosts(hosts);
    try {
      await Promise.all(hosts.map((h) => h.next("ready", 120_000)));
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  get count(): number {
    return this.hosts.length;
  }

  /**
   * Runs `slots` slots spread as evenly as the hosts allow; resolves with every host's stats when all
   * have stopped. `onSent` hears every watched step (epoch ms, taken just before its write).
   */
  async run(slots: number, plan: HostRun["plan"], watched: string[], onSent: (jobId: string, step: number, at: number) => void): Promise<HostStats[]> {
    const done = this.hosts.map((h) => h.next("done", plan.stopAtEpoch - Date.now() + 120_000));
    this.hosts.forEach((host, i) => {
      host.onSent = onSent;
      const share = Math.floor(slots / this.hosts.length) + (i < slots % this.hosts.length ? 1 : 0);
      const message: HostRun = { type: "run", plan: { ...plan, slots: share }, watched, sweep: i === 0 };
      host.child.send(message);
    });
    const results = await Promise.all(done);
    const failed = results.find((m) => m.type === "error");
    if (failed) throw new Error(`a fleet host failed: ${String(failed.message)}`);
    return results.map((m) => m.stats as HostStats);
  }

  /** The measured window opens now in every host. */
  openWindow(): void {
    for (const host of this.hosts) host.child.send({ type: "window" });
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts.map(async (host) => {
      if (host.child.exitCode === null && host.child.connected) host.child.send({ type: "stop" });
      await withTimeout(host.exited, 10_000, `fleet host ${host.index} exit`).catch(() => host.child.kill());
    }));
  }
}

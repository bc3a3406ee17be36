// Leader election for duties that must run once per fleet (the lease sweeper, the alarm evaluator and the
// PLUS-weight mitigation): a PostgreSQL session advisory lock, one per duty, held on a connection of its
// own straight to PostgreSQL (DATABASE_DIRECT_URL; a transaction-mode pooler would hand the lock's
// session to someone else). Whoever holds the lock is the leader.
//  - failover: a leader that dies (kill -9, a lost node) loses its session, PostgreSQL releases the lock,
//    and another process takes it at its next try (retryMs). A partitioned leader's session lingers on the
//    server until TCP keepalive ends it; the leader itself steps down as soon as its ping fails.
//  - handover: stop() deposes first (the duty stops), then unlocks, so two leaders never overlap.
//  - a leader that cannot reach its session (a ping fails or times out) deposes itself and drops the
//    connection, so the server releases the lock even if the session was only slow.
import pg from "pg";
import type { Logger } from "../log.js";

/** The first half of every duty's lock key (the second is hashtext(duty)): "kinema lead". */
const LOCK_SPACE = 7_434_730;

export interface LeaderElectionOptions {
  /** a direct PostgreSQL URL (never a transaction-mode pooler) */
  connectionString: string;
  /** the duty's name; processes that name the same duty elect one leader among them */
  duty: string;
  /** how often a follower tries for the lock, and a leader checks its session */
  retryMs: number;
  log: Logger;
  /** how long a leader's ping may take before it steps down (default: max(retryMs, 5 s)) */
  pingTimeoutMs?: number;
}

export class LeaderElection {
  /** called when this process becomes the leader; the duty starts here */
  onElected: (() => void | Promise<void>) | null = null;
  /** called when it stops being the leader (lost session, stop()); the duty stops here */
  onDeposed: (() => void | Promise<void>) | null = null;
  private client: pg.Client | null = null;
  private leader = false;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  get duty(): string {
    return this.options.duty;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Steps down (the duty stops first), releases the lock for the next leader, and closes the session. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    const client = this.client;
    this.client = null;
    if (this.leader) {
      await this.depose("stopping");
      await client?.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_SPACE, this.options.duty]).catch(() => {});
    }
    await client?.end().catch(() => {});
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (error) {
        // The session is gone or unusable: lose the lead (if held) and start over with a new connection.
        this.options.log.warn({ err: error, duty: this.options.duty }, "leader election: session lost; reconnecting");
        await this.dropSession();
      }
      await this.pause(this.options.retryMs);
    }
  }

  private async tick(): Promise<void> {
    const client = this.client ?? (await this.connect());
    if (this.leader) {
      await withTimeout(client.query("SELECT 1"), this.options.pingTimeoutMs ?? Math.max(this.options.retryMs, 5_000));
      return;
    }
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [LOCK_SPACE, this.options.duty]);
    if (!rows[0]!.ok || this.stopping) {
      if (rows[0]!.ok) await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_SPACE, this.options.duty]);
      return;
    }
    this.leader = true;
    this.options.log.info({ duty: this.options.duty }, "elected leader");
    try {
      await this.onElected?.();
    } catch (error) {
      this.options.log.error({ err: error, duty: this.options.duty }, "leader duty failed to start");
    }
  }

  private async connect(): Promise<pg.Client> {
    // keepAlive: the server and this process both learn of a silently dead peer (a partition).
    const client = new pg.Client({ connectionString: this.options.connectionString, keepAlive: true, application_name: `kinema-leader-${this.options.duty}` });
    const lost = () => { if (this.client === client) void this.dropSession(); };
    client.on("error", lost);
    client.on("end", lost);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    return client;
  }

  private async dropSession(): Promise<void> {
    const client = this.client;
    this.client = null;
    client?.end().catch(() => {});
    if (this.leader) await this.depose("session lost");
    this.wake?.();
  }

  private async depose(why: string): Promise<void> {
    this.leader = false;
    this.options.log.info({ duty: this.options.duty, why }, "no longer leader");
    try {
      await this.onDeposed?.();
    } catch (error) {
      this.options.log.error({ err: error, duty: this.options.duty }, "leader duty failed to stop");
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); resolve(); }
      this.wake = () => { this.wake = null; done(); };
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

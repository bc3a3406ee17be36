// CPU time spent, as figures that hold up on a loaded machine (wall-clock throughput does not: the bench
// machine is shared). This process's user+system time, and the PostgreSQL backends serving one database
// (read from /proc/<pid>/stat, so only when the server runs on this host; null otherwise).
import { readFile } from "node:fs/promises";
import type { Pool } from "pg";

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** user+system ms of the backends connected to the pool's database now (null: not readable here). */
export async function backendCpuMs(pool: Pool): Promise<number | null> {
  const { rows } = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  let total = 0;
  for (const { pid } of rows) {
    try {
      // fields after "(comm) ": state is [0], utime [11], stime [12]
      const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
      total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      return null;
    }
  }
  return total;
}

/** Starts a measurement; the returned function gives ms of CPU since, for this process and the database. */
export async function cpuMeter(pool: Pool): Promise<() => Promise<{ processMs: number; databaseMs: number | null }>> {
  const process0 = process.cpuUsage();
  const database0 = await backendCpuMs(pool);
  return async () => {
    const used = process.cpuUsage(process0);
    const database1 = await backendCpuMs(pool);
    return { processMs: (used.user + used.system) / 1000, databaseMs: database0 === null || database1 === null ? null : database1 - database0 };
  };
}

// Small formatting helpers shared by the CLI's commands.

/** 1234567 -> "1.2 MB" (SI units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** 75 -> "1m15s", 8 -> "8s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** An ISO date-time without milliseconds ("2026-11-26T18:15:03Z"); "-" when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  return iso.replace(/\.\d+Z$/, "Z");
}

/** Rows of cells as left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

/** GraphQL input field names as the CLI's flags, for userErrors. */
const FLAGS: Record<string, string> = {
  prompt: "the prompt", durationSeconds: "--duration", resolution: "--resolution", seed: "--seed", idempotencyKey: "--idempotency-key",
  negativePrompt: "--negative", deadlineSeconds: "--deadline",
};

export function userErrorLine(error: { code: string; message: string; field?: string[] | null }): string {
  const field = error.field?.at(-1);
  const where = field ? `${FLAGS[field] ?? field}: ` : "";
  return `${where}${error.message} [${error.code}]`;
}

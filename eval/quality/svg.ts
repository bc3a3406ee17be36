// Small inline-SVG charts for the level-2 HTML report: grouped bars and lines, with axes, values and a
// legend. Plain strings, no scripts or external styles, so the page reads offline and in any browser.

export interface Series { name: string; values: (number | null)[]; color: string }

const W = 560, H = 270, LEFT = 48, RIGHT = 12, TOP = 28, BOTTOM = 56;
export const COLORS = ["#3b6fd8", "#e08a1e", "#3a9d5d", "#9b4dca", "#888888"];

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A "nice" axis top: 1, 2 or 5 times a power of ten, at least `max`. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max * 1.0001) ?? 10 * p;
}

function frame(title: string, yMax: number, yLabel: string, body: string, legend: Series[]): string {
  // 5 intervals for a top of 5 or 10 times a power of ten (steps of 1 or 2), else 4 (0.25, 0.5)
  const lead = Math.round(yMax / 10 ** Math.floor(Math.log10(yMax)));
  const parts = lead === 5 || lead === 10 ? 5 : 4;
  const ticks = Array.from({ length: parts + 1 }, (_, i) => (yMax * i) / parts);
  const y = (v: number) => TOP + (H - TOP - BOTTOM) * (1 - v / yMax);
  const grid = ticks.map((t) => `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`
    + `<text x="${LEFT - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${Number(t.toPrecision(3))}</text>`).join("");
  const keys = legend.map((s, i) => `<rect x="${LEFT + i * 150}" y="${H - 14}" width="10" height="10" fill="${s.color}"/>`
    + `<text x="${LEFT + i * 150 + 14}" y="${H - 5}" font-size="11">${escapeHtml(s.name)}</text>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img" aria-label="${escapeHtml(title)}">`
    + `<text x="${LEFT}" y="16" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`
    + `<text x="12" y="${TOP + (H - TOP - BOTTOM) / 2}" font-size="11" transform="rotate(-90 12 ${TOP + (H - TOP - BOTTOM) / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text>`
    + grid + `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${H - BOTTOM}" stroke="#444"/>` + body + keys + `</svg>`;
}

/** Bars grouped by category, one bar per series; null values are left out. */
export function barChart(title: string, categories: string[], series: Series[], options: { yMax?: number; yLabel?: string } = {}): string {
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const yMax = options.yMax ?? niceMax(Math.max(0, ...all));
  const plot = W - LEFT - RIGHT, group = plot / categories.length, bar = (group * 0.8) / series.length;
  const y = (v: number) => TOP + (H - TOP - BOTTOM) * (1 - Math.min(v, yMax) / yMax);
  let body = "";
  categories.forEach((c, i) => {
    const x0 = LEFT + i * group + group * 0.1;
    series.forEach((s, k) => {
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const x = x0 + k * bar;
      body += `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${(H - BOTTOM - y(v)).toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${s.name}, ${c.replace("\n", " ")}: ${fmt(v)}`)}</title></rect>`;
      body += `<text x="${(x + bar / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" font-size="9" text-anchor="middle">${fmt(v)}</text>`;
    });
    // a category may hold "\n": one line each, so long run names do not run into their neighbours
    const cx = (LEFT + (i + 0.5) * group).toFixed(1);
    body += `<text x="${cx}" y="${H - BOTTOM + 14}" font-size="11" text-anchor="middle">`
      + c.split("\n").map((line, k) => `<tspan x="${cx}" dy="${k ? 13 : 0}">${escapeHtml(line)}</tspan>`).join("") + `</text>`;
  });
  return frame(title, yMax, options.yLabel ?? "", body, series);
}

/** Lines over numeric x values (step counts), with a dot at each point (hover: its value). */
export function lineChart(title: string, xs: number[], series: Series[], options: { yMax?: number; yLabel?: string; xLabel?: string } = {}): string {
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const yMax = options.yMax ?? niceMax(Math.max(0, ...all));
  const xMin = Math.min(...xs), xMax = Math.max(...xs);
  const x = (v: number) => LEFT + 16 + (W - LEFT - RIGHT - 32) * (xMax === xMin ? 0.5 : (v - xMin) / (xMax - xMin));
  const y = (v: number) => TOP + (H - TOP - BOTTOM) * (1 - Math.min(v, yMax) / yMax);
  let body = xs.map((v) => `<text x="${x(v).toFixed(1)}" y="${H - BOTTOM + 14}" font-size="11" text-anchor="middle">${v}</text>`).join("");
  if (options.xLabel) body += `<text x="${(LEFT + W - RIGHT) / 2}" y="${H - BOTTOM + 28}" font-size="11" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`;
  for (const [k, s] of series.entries()) {
    const points = xs.flatMap((v, i) => (s.values[i] === null || s.values[i] === undefined || !Number.isFinite(s.values[i]) ? [] : [[x(v), y(s.values[i]!), s.values[i]!] as const]));
    body += `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ")}"/>`;
    body += points.map(([px, py, v]) => `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHtml(`${s.name}: ${fmt(v)}`)}</title></circle>`
      // values printed for the first series only: several lines' labels would overlap
      + (k === 0 ? `<text x="${px.toFixed(1)}" y="${(py - 6).toFixed(1)}" font-size="9" text-anchor="middle">${fmt(v)}</text>` : "")).join("");
  }
  return frame(title, yMax, options.yLabel ?? "", body, series);
}

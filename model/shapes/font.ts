// A 5x7 bitmap font for the digits 0-9: blocky glyphs that survive a small VAE and that the eval's
// template matcher reads back. A glyph spans v in [-1, 1] (its height is the shape's diameter).
const GLYPHS: Record<string, string[]> = {
  "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
  "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
  "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
  "3": ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
  "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
  "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
  "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
  "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
  "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
  "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
};

const ROWS = 7;
const COLS = 5;
const CELL = 2 / ROWS;

export function glyphCell(digit: string, u: number, v: number): boolean {
  const glyph = GLYPHS[digit];
  if (!glyph) return false;
  const col = Math.floor((u + (COLS * CELL) / 2) / CELL);
  const row = Math.floor((v + 1) / CELL);
  if (row < 0 || row >= ROWS || col < 0 || col >= COLS) return false;
  return glyph[row]![col] === "#";
}

/** The glyph as a ROWS x COLS 0/1 grid, for template matching. */
export function glyphBitmap(digit: string): number[][] {
  return (GLYPHS[digit] ?? []).map((row) => [...row].map((c) => (c === "#" ? 1 : 0)));
}

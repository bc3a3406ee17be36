// `npm run model:build [-- --out DIR] [--nan-below T]`: writes kinema-tiny (ONNX files + model.json).
// Also importable (main) so the tests exercise the same option parsing.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { buildKinemaTiny, type BuildResult } from "./kinema-tiny/build.js";

export async function main(argv: string[]): Promise<BuildResult> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: "string", default: "models/kinema-tiny" }, "nan-below": { type: "string" } },
    strict: true,
  });
  const raw = values["nan-below"];
  const nanBelow = raw === undefined ? undefined : Number(raw);
  if (nanBelow !== undefined && !Number.isFinite(nanBelow)) throw new Error(`--nan-below: not a number: ${raw}`);
  return buildKinemaTiny({ outDir: resolve(values.out), nanBelow });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = performance.now();
  const { manifest, paths } = await main(process.argv.slice(2));
  const ms = Math.round(performance.now() - started);
  console.log(`built ${manifest.id} ${manifest.version} in ${ms} ms:`);
  for (const [name, path] of Object.entries(paths)) console.log(`  ${path}${manifest.files[name] ? `  sha256 ${manifest.files[name]}` : ""}`);
}

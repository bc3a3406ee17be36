// Data sets the repository cannot carry (third-party test data, by licence and size), found beside the
// checkout in ../shared/testdata/ on the project's machines and in CI, but not in a plain clone. A test
// that needs one skips, with the reason printed, when it is missing; KINEMA_REQUIRE_SHARED_TESTDATA=1
// (set by .ci/run) turns a missing data set into a failure, so CI always runs those tests.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const REQUIRE_SHARED_TESTDATA = "KINEMA_REQUIRE_SHARED_TESTDATA";

export interface SharedTestData {
  /** where the data set is (or would be) */
  path: string;
  available: boolean;
  /** why the tests that need it are skipped; empty when available */
  reason: string;
}

interface DataSetSpec {
  /** the variable that points elsewhere */
  env: string;
  /** relative to the repository root */
  defaultPath: string;
  /** a file inside the data set that must exist */
  probe: string;
  what: string;
  /** the test files with tests that need it */
  usedBy: string[];
}

const DATA_SETS = {
  // ThreatExchange's PDQ/vPDQ reference images, clips and hashes (test/pdq.test.ts, test/scan.test.ts)
  pdq: { env: "KINEMA_PDQ_TESTDATA", defaultPath: "../shared/testdata/pdq", probe: "reference-hashes.csv", what: "ThreatExchange's PDQ test data",
    usedBy: ["test/pdq.test.ts", "test/scan.test.ts", "test/dihedral.test.ts", "test/hash-bank-store.test.ts"] },
} satisfies Record<string, DataSetSpec>;

export type DataSetName = keyof typeof DATA_SETS;

/** Where a data set is, whether it is there, and what to print when it is not. */
function locateTestData(name: DataSetName, env: NodeJS.ProcessEnv = process.env): SharedTestData {
  const spec = DATA_SETS[name];
  const path = env[spec.env] || resolve(ROOT, spec.defaultPath);
  const available = existsSync(resolve(path, spec.probe));
  const reason = available ? "" : `${spec.what} not found at ${path} (set ${spec.env}, or put it at ${spec.defaultPath} beside the repository)`;
  return { path, available, reason };
}

const required = (env: NodeJS.ProcessEnv) => env[REQUIRE_SHARED_TESTDATA] === "1";

/**
 * For a test file: the data set, or, when it is missing, a printed reason (the tests that need it then
 * skip via `describe.skipIf(!data.available)`). With KINEMA_REQUIRE_SHARED_TESTDATA=1 a missing data set
 * throws instead, which fails the file.
 */
export function sharedTestData(name: DataSetName, file: string): SharedTestData {
  const data = locateTestData(name);
  if (data.available) return data;
  if (required(process.env)) throw new Error(`${REQUIRE_SHARED_TESTDATA}=1 and ${data.reason}`);
  console.warn(`SKIPPED in ${file}: the tests that need ${name} test data; ${data.reason}`);
  return data;
}

/** For the global setup: one line per missing data set, before any test runs; throws when they are required. */
export function reportSharedTestData(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(DATA_SETS) as DataSetName[]) {
    const data = locateTestData(name, env);
    if (data.available) continue;
    if (required(env)) throw new Error(`${REQUIRE_SHARED_TESTDATA}=1 and ${data.reason}`);
    console.warn(`[kinema tests] ${data.reason}: the tests that need it are skipped (in ${DATA_SETS[name].usedBy.join(", ")}; see the README's "Test")`);
  }
}

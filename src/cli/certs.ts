// `kinema certs dev [--out DIR] [--force]`: writes a development C2PA signing chain (root CA,
// intermediate, leaf; P-256) with the system's openssl and says which variables point Kinema at it.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createDevChain, ensureDevChain } from "../provenance/certs.js";
import { CliError } from "./errors.js";

export const CERTS_HELP = `Usage: kinema certs dev [--out DIR] [--force] [--json]

Writes a development C2PA signing chain into DIR (default .kinema/certs):
root.pem (the trust anchor), chain.pem (leaf then intermediate) and key.pem
(the leaf's PKCS#8 key), all P-256, made with the system's openssl. An existing
chain is kept unless --force. Files signed with it verify as Trusted only where
root.pem is a trust anchor; the leaf expires after 2 years (no timestamps offline).`;

export async function certsCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== "dev") throw new CliError(CERTS_HELP);
  const { values } = parseArgs({
    args: rest,
    options: { out: { type: "string", default: ".kinema/certs" }, force: { type: "boolean", default: false }, json: { type: "boolean", default: false } },
    strict: true,
  });
  const paths = values.force ? await createDevChain(values.out) : await ensureDevChain(values.out);
  const env = { KINEMA_C2PA_CERT_CHAIN: paths.chain, KINEMA_C2PA_PRIVATE_KEY: paths.key, KINEMA_C2PA_TRUST_ANCHORS: paths.root };
  if (values.json) {
    console.log(JSON.stringify({ ...paths, env }));
    return;
  }
  console.log(`development C2PA chain in ${resolve(values.out)}`);
  console.log(`  root (trust anchor)          ${paths.root}`);
  console.log(`  chain (leaf + intermediate)  ${paths.chain}`);
  console.log(`  key (PKCS#8, leaf)           ${paths.key}`);
  console.log("\nTo sign and verify with it, set:");
  for (const [name, value] of Object.entries(env)) console.log(`  export ${name}=${value}`);
}

// `kinema verify clip.mp4 [--trust root.pem] [--json]`: validates a clip's C2PA manifest and prints its
// state and failure codes. Exit 0 when the clip would be delivered (see `acceptable`), 1 otherwise.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { acceptable, verifyFile, type VerifyResult } from "../provenance/verify.js";
import { CliError } from "./errors.js";

export const VERIFY_HELP = `Usage: kinema verify FILE.mp4 [--trust ROOTS.pem] [--json]

Validates the C2PA content credentials of FILE and prints the validation state
(Trusted, Valid, Invalid, NoManifest) and the failure codes. With --trust, the
signer must chain to one of the PEM roots (state Trusted); without it, Valid with
only signingCredential.untrusted is accepted. Exit code 0 when acceptable, 1 if not.`;

export async function verifyCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { trust: { type: "string" }, json: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new CliError(VERIFY_HELP);
  const trustAnchorsPem = values.trust ? await readTrust(values.trust) : undefined;
  let result: VerifyResult;
  try {
    result = await verifyFile(file, { trustAnchorsPem });
  } catch (error) {
    // a file that cannot be read is simply not acceptable: exit 1, like a tampered one
    console.error(`kinema: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const ok = acceptable(result, trustAnchorsPem !== undefined);
  if (values.json) {
    const { manifest: _, ...summary } = result;
    console.log(JSON.stringify({ file, acceptable: ok, ...summary }));
  } else {
    console.log(`${file}: ${result.state}${ok ? "" : " (not acceptable)"}`);
    if (result.codes.length > 0) console.log(`  failures:        ${result.codes.join(", ")}`);
    if (result.state !== "NoManifest") {
      console.log(`  issuer:          ${result.issuer ?? "-"}`);
      console.log(`  signed at:       ${result.signedAt ?? "- (no timestamp)"}`);
      console.log(`  claim generator: ${result.claimGenerator ?? "-"}`);
      console.log(`  actions:         ${result.actions.join(", ") || "-"}`);
    }
  }
  process.exitCode = ok ? 0 : 1;
}

async function readTrust(path: string): Promise<string> {
  const pem = await readFile(path, "utf8").catch((error: Error) => {
    throw new CliError(`cannot read --trust ${path}: ${error.message}`);
  });
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new CliError(`--trust ${path} holds no PEM certificate`);
  return pem;
}

// A development C2PA certificate chain made with the system's `openssl`: root CA -> intermediate CA ->
// signing leaf, all P-256 (ES256 is the one algorithm c2pa-node 0.8's own reader verifies reliably).
// The signer refuses a self-signed leaf, a leaf without an extended key usage or with codeSigning, and
// a chain without the intermediate, hence the three levels and the leaf's EKU of emailProtection.
//
// No timestamp authority is reachable offline, so manifests carry no RFC 3161 timestamp and stop
// validating when the leaf expires: the leaf lives 2 years, its CAs longer.
import { access, chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { runProcess } from "../processes/run.js";

export interface DevChain {
  /** the root CA certificate: the trust anchor a verifier is given */
  root: string;
  /** leaf certificate then intermediate, PEM: what the signer sends with each manifest */
  chain: string;
  /** the leaf's private key, PKCS#8 PEM */
  key: string;
}

const DAYS = { root: 3650, intermediate: 1825, leaf: 730 };

const EXTENSIONS = `[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

export function devChainPaths(dir: string): DevChain {
  const base = resolve(dir);
  return { root: join(base, "root.pem"), chain: join(base, "chain.pem"), key: join(base, "key.pem") };
}

/** Writes a fresh chain into `dir`, replacing one there. The CA keys are thrown away afterwards. */
export async function createDevChain(dir: string): Promise<DevChain> {
  const paths = devChainPaths(dir);
  await mkdir(resolve(dir), { recursive: true });
  const work = await mkdtemp(join(resolve(dir), ".new-"));
  try {
    await writeChain(work);
    for (const name of ["key", "chain", "root"] as const) await rename(join(work, `${name}.pem`), paths[name]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return paths;
}

/**
 * The chain in `dir`, made first if any of its files is missing. Safe when several processes start at
 * once: each builds a whole chain in a scratch folder and renames the folder into place; the first
 * rename wins and the others use its chain, so a key never meets another process's certificate.
 */
export async function ensureDevChain(dir: string): Promise<DevChain> {
  const paths = devChainPaths(dir);
  if (await complete(paths)) return paths;
  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  const work = await mkdtemp(join(dirname(target), `.${basename(target)}-new-`));
  try {
    await writeChain(work);
    await rename(work, target); // replaces only a missing or empty folder
    return paths;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    if (await complete(paths)) return paths; // another process won
    return createDevChain(dir); // a folder with other files in it: add the chain's files
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function complete(paths: DevChain): Promise<boolean> {
  const present = await Promise.all(Object.values(paths).map((p) => access(p).then(() => true, () => false)));
  return present.every(Boolean);
}

/** Root, intermediate and leaf into `work`; leaves root.pem, chain.pem and key.pem there, nothing else. */
async function writeChain(work: string): Promise<void> {
  const f = (name: string) => join(work, name);
  await writeFile(f("ext.cnf"), EXTENSIONS);
  for (const name of ["root", "intermediate", "leaf"]) {
    // genpkey writes PKCS#8, the form the signer needs
    await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f(`${name}.key`)]);
  }
  await openssl(["req", "-x509", "-new", "-key", f("root.key"), "-sha256", "-days", String(DAYS.root),
    "-subj", "/O=Kinema Development/CN=Kinema Dev Root CA", "-config", f("ext.cnf"), "-extensions", "root", "-out", f("root.pem")]);
  await issue(f, "intermediate", "root", "/O=Kinema Development/CN=Kinema Dev Intermediate CA", DAYS.intermediate);
  await issue(f, "leaf", "intermediate", "/O=Kinema Development/CN=Kinema Dev Signer", DAYS.leaf);
  await writeFile(f("chain.pem"), (await readFile(f("leaf.pem"), "utf8")) + (await readFile(f("intermediate.pem"), "utf8")));
  await chmod(f("leaf.key"), 0o600);
  await rename(f("leaf.key"), f("key.pem"));
  for (const name of ["ext.cnf", "root.key", "intermediate.key", "intermediate.csr", "intermediate.pem", "leaf.csr", "leaf.pem"]) {
    await rm(f(name), { force: true });
  }
}

async function issue(f: (name: string) => string, name: string, issuer: string, subject: string, days: number): Promise<void> {
  await openssl(["req", "-new", "-key", f(`${name}.key`), "-subj", subject, "-out", f(`${name}.csr`)]);
  await openssl(["x509", "-req", "-in", f(`${name}.csr`), "-CA", f(`${issuer}.pem`), "-CAkey", f(`${issuer}.key`),
    "-set_serial", `0x${randomSerial()}`, "-sha256", "-days", String(days),
    "-extfile", f("ext.cnf"), "-extensions", name, "-out", f(`${name}.pem`)]);
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f; // a positive serial
  return Buffer.from(bytes).toString("hex");
}

async function openssl(args: string[]): Promise<void> {
  const { code, signal, stderr } = await runProcess("openssl", args).catch((error: Error) => {
    throw new Error(`cannot run openssl: ${error.message}`, { cause: error });
  });
  if (code !== 0) throw new Error(`openssl ${args[0]} exited with ${signal ?? code}: ${stderr.trim().slice(-500)}`);
}

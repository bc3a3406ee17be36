// The signer and trust anchors a worker uses, from config: a key file, or a remote key service behind
// a callback module, or (nothing configured) a development chain made once under the data directory,
// whose root then serves as the trust anchor.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Config } from "../config/config.js";
import type { Logger } from "../log.js";
import { ensureDevChain } from "./certs.js";
import { CallbackSigner, LocalSigner, type ProvenanceSigner, type SignCallback } from "./signer.js";

export interface Signing { signer: ProvenanceSigner; trustAnchorsPem: string | null }

export async function createSigning(config: Pick<Config, "provenance" | "dataDir">, log: Logger): Promise<Signing> {
  const p = config.provenance;
  if (!p.certChain) {
    const dev = await ensureDevChain(join(config.dataDir, "certs"));
    log.warn({ chain: dev.chain }, "no C2PA signing credentials configured: signing with a development chain (trusted only by itself)");
    return { signer: await LocalSigner.fromFiles(dev.chain, dev.key), trustAnchorsPem: p.trustAnchors ? await readFile(p.trustAnchors, "utf8") : await readFile(dev.root, "utf8") };
  }
  const trustAnchorsPem = p.trustAnchors ? await readFile(p.trustAnchors, "utf8") : null;
  if (p.signerModule) {
    const mod = (await import(pathToFileURL(resolve(p.signerModule)).href)) as { sign?: SignCallback };
    if (typeof mod.sign !== "function") throw new Error(`${p.signerModule} does not export sign(bytes): Promise<Buffer>`);
    return { signer: new CallbackSigner(mod.sign, await readFile(p.certChain, "utf8")), trustAnchorsPem };
  }
  return { signer: await LocalSigner.fromFiles(p.certChain, p.privateKey!), trustAnchorsPem };
}

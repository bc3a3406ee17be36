// The signer port and its two adapters. Both sign ES256 (P-256): c2pa-node 0.8 signs ES384 and Ed25519
// too, but its own reader then reports `claimSignature.mismatch`.
//   LocalSigner    - a PKCS#8 key file on this machine; the synchronous `Builder.sign` runs in a worker
//                    thread (sign-worker.mjs) so the caller's event loop stays free.
//   CallbackSigner - a remote key service (KMS, HSM): c2pa-node hands it the bytes to sign through an
//                    async callback (`Builder.signAsync`); the private key never enters this process.
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { Builder, CallbackSigner as C2paCallbackSigner } from "@contentauth/c2pa-node";
import type { Manifest } from "@contentauth/c2pa-types";

/** An asset the manifest cites (a poster's clip): c2pa-node copies its manifest store into the new claim. */
export interface SignIngredient {
  /** the ingredient's definition, e.g. `{ title, relationship: "parentOf", label }` */
  json: object;
  path: string;
  mimeType: string;
}

export interface SignOptions {
  /** the input's type; "video/mp4" when omitted */
  mimeType?: string;
  ingredients?: SignIngredient[];
}

export interface ProvenanceSigner {
  /** Writes `input` with `manifest` embedded to `output` (a different path). Sign last: any remux strips it. */
  sign(input: string, output: string, manifest: object, options?: SignOptions): Promise<void>;
  /** Releases what the adapter holds (the local signer's worker thread). */
  close?(): Promise<void>;
}

/** Splits a PEM bundle into its certificates, leaf first as given. */
export function pemCertificates(pem: string): string[] {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length < 2) throw new Error("the certificate chain must hold the leaf and its intermediate (PEM)");
  return certs.map((cert) => `${cert}\n`);
}

type Pending = { resolve: () => void; reject: (error: Error) => void };

/** Signs with a local key in one worker thread, started on first use; signs queue there one at a time. */
export class LocalSigner implements ProvenanceSigner {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly chainPem: string, private readonly keyPem: string) {
    pemCertificates(chainPem);
    if (!keyPem.includes("-----BEGIN PRIVATE KEY-----")) throw new Error("the private key must be PKCS#8 PEM (BEGIN PRIVATE KEY)");
  }

  static async fromFiles(chainPath: string, keyPath: string): Promise<LocalSigner> {
    return new LocalSigner(await readFile(chainPath, "utf8"), await readFile(keyPath, "utf8"));
  }

  sign(input: string, output: string, manifest: object, options: SignOptions = {}): Promise<void> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // keep the process alive while a sign is in flight
      worker.postMessage({ id, input, output, manifest, mimeType: options.mimeType ?? "video/mp4", ingredients: options.ingredients ?? [] });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./sign-worker.mjs", import.meta.url), {
      workerData: { chainPem: this.chainPem, keyPem: this.keyPem },
    });
    worker.on("message", (reply: { id: number; error?: string }) => {
      const request = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref(); // an idle signer must not keep the process alive
      if (reply.error === undefined) request?.resolve();
      else request?.reject(new Error(`C2PA signing failed: ${reply.error}`));
    });
    // A crashed or terminated worker fails what it held; the next sign starts a fresh one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const request of this.pending.values()) request.reject(error);
      this.pending.clear();
    };
    worker.on("error", (error) => fail(new Error(`the C2PA signing thread failed: ${error.message}`, { cause: error })));
    worker.on("exit", (code) => fail(new Error(`the C2PA signing thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/**
 * Signs the claim's bytes with ECDSA P-256 over SHA-256 and returns the signature as raw r||s, 64 bytes
 * (IEEE P1363, node:crypto's `dsaEncoding: "ieee-p1363"`): the form COSE, and so C2PA, stores. c2pa-rs
 * 0.90 also turns a DER signature into r||s before embedding it, but r||s is the contract.
 */
export type SignCallback = (bytes: Buffer) => Promise<Buffer>;

/**
 * Signs through a callback (a remote key service); the chain is sent with every manifest. No worker
 * thread needed: `signAsync` hashes off the event loop (a 33 MB clip: 50 ms, longest loop gap 1.2 ms).
 */
export class CallbackSigner implements ProvenanceSigner {
  private readonly certs: Buffer[];
  private readonly reserveSize: number;

  constructor(private readonly callback: SignCallback, chainPem: string) {
    // c2pa-node wants one PEM buffer per certificate: DER buffers fail with "COSE Signer does not
    // contain signing certificate".
    const certs = pemCertificates(chainPem);
    this.certs = certs.map((cert) => Buffer.from(cert));
    // room kept in the file for the COSE signature box: the chain plus the signature, with headroom
    this.reserveSize = 10_000 + certs.reduce((sum, cert) => sum + cert.length, 0);
  }

  async sign(input: string, output: string, manifest: object, options: SignOptions = {}): Promise<void> {
    const signer = C2paCallbackSigner.newSigner(
      { alg: "es256", certs: this.certs, reserveSize: this.reserveSize, directCoseHandling: false },
      this.callback,
    );
    try {
      const builder = Builder.withJson(manifest as Manifest);
      for (const ingredient of options.ingredients ?? []) {
        await builder.addIngredient(JSON.stringify(ingredient.json), { path: ingredient.path, mimeType: ingredient.mimeType });
      }
      await builder.signAsync(signer, { path: input, mimeType: options.mimeType ?? "video/mp4" }, { path: output });
    } catch (error) {
      throw new Error(`C2PA signing failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {}
}

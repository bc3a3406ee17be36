// The Kubernetes manifests as the tests see them: `kubectl kustomize` renders an overlay offline, and
// every object is checked against its published JSON schema (kubernetes-models for the core API,
// @kubernetes-models/keda and /prometheus-operator for the CRDs). The one module that knows kubectl and
// the schema packages. kubectl is on the project's machines and in CI; where it is missing the tests
// skip with the reason printed, and with KINEMA_REQUIRE_SHARED_TESTDATA=1 (.ci/run) they fail instead.
import { execFile, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const KUSTOMIZE_DIR = resolve(ROOT, "deploy/kubernetes");

/** A rendered object: only the fields every object has are typed; tests read the rest by path. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export function overlayNames(): string[] {
  return readdirSync(resolve(KUSTOMIZE_DIR, "overlays"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Whether kubectl (with its built-in kustomize) is here; a reason to print when not. */
export function kubectlStatus(file: string): { available: boolean; reason: string } {
  const probe = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (probe.status === 0) return { available: true, reason: "" };
  const reason = `kubectl not found (${probe.error?.message ?? probe.stderr.trim()}): it renders deploy/kubernetes offline (kubectl kustomize)`;
  if (process.env.KINEMA_REQUIRE_SHARED_TESTDATA === "1") throw new Error(`KINEMA_REQUIRE_SHARED_TESTDATA=1 and ${reason}`);
  console.warn(`SKIPPED in ${file}: ${reason}`);
  return { available: false, reason };
}

/** `kubectl kustomize deploy/kubernetes/overlays/<name>`, parsed. */
export async function renderOverlay(name: string): Promise<K8sObject[]> {
  const { stdout } = await promisify(execFile)("kubectl", ["kustomize", resolve(KUSTOMIZE_DIR, "overlays", name)], { maxBuffer: 16 << 20 });
  return parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length) throw doc.errors[0]!;
    return doc.toJSON() as K8sObject;
  }).filter(Boolean);
}

/** Where each API group's models live (module specifiers of the schema packages). */
const MODEL_MODULES: Record<string, string> = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "keda.sh/v1alpha1": "@kubernetes-models/keda/keda.sh/v1alpha1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

type Model = new (data: unknown) => { validate(): void };

/**
 * Validates one object against its kind's schema; throws with the schema's complaint. A kind without a
 * schema here is an error too, so nothing slips through unvalidated. (The schemas check types, formats
 * and required fields; like the API server's, they let unknown fields through: the invariants catch
 * the misspellings that matter.)
 */
export async function validateObject(object: K8sObject): Promise<void> {
  const specifier = MODEL_MODULES[object.apiVersion];
  if (!specifier) throw new Error(`${object.kind}/${object.metadata.name}: no schema for apiVersion ${object.apiVersion}`);
  const models = (await import(specifier)) as Record<string, Model>;
  const Model = models[object.kind];
  if (!Model) throw new Error(`${object.kind}/${object.metadata.name}: no schema for kind ${object.kind} in ${object.apiVersion}`);
  // Secret data as kustomize writes it: base64 folded over lines, which the API server's decoder (Go's
  // base64) reads as one string; the schema's "byte" format wants it unfolded.
  if (object.kind === "Secret" && object.data) {
    object = { ...object, data: Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, "")])) };
  }
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata.name} does not validate: ${(error as Error).message}`, { cause: error });
  }
}

/** The one object of a kind and name; throws when it is missing. */
export function find<T = K8sObject>(objects: K8sObject[], kind: string, name: string): T & K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the rendered overlay`);
  return found as T & K8sObject;
}

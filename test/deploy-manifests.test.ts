// deploy/kubernetes, offline: every overlay renders with `kubectl kustomize`, every object validates
// against the Kubernetes, KEDA and Prometheus Operator schemas, and the promises the manifests make
// hold in every overlay (API replicas and probes, GPU limits on production workers, a grace period that
// covers the worker's drain, pinned images, migrations before the pods, network policies, settings the
// app knows, the PrometheusRule generated from ops/prometheus/alerts.yml).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../src/config/config.js";
import { ALERTS_PATH, renderPrometheusRule, RULE_PATH } from "../scripts/prometheus-rule.js";
import { find, kubectlStatus, KUSTOMIZE_DIR, overlayNames, renderOverlay, ROOT, validateObject, type K8sObject } from "./helpers/kubernetes.js";

/**
 * The worker's drain budget, in seconds (docs/DEPLOY.md, "Drain budget"): on SIGTERM the job in flight
 * finishes its uninterruptible unit, checkpoints at that step and is handed back. The longest unit on
 * the smallest supported worker (2 CPUs, a 10 s 1080p clip) is the ffmpeg encode, 30 s measured here
 * under load 30; a denoising step at the 10 s geometry 1.3 s, a likeness frame 1.4 s; the hand-back
 * (checkpoint write, one UPDATE) and the close under 2 s. Twice the worst unit: 60 s.
 */
const DRAIN_BUDGET_SECONDS = 60;

const VERSION = (JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string }).version;

interface Container {
  name: string; image: string; args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[]; initContainers?: Container[]; terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>; tolerations?: { key?: string; effect?: string }[];
  securityContext?: { runAsNonRoot?: boolean };
}
interface Workload { spec: { replicas?: number; selector?: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } } }

const kubectl = kubectlStatus("test/deploy-manifests.test.ts");
const overlays = overlayNames();
const rendered = new Map<string, K8sObject[]>();

beforeAll(async () => {
  if (!kubectl.available) return;
  for (const name of overlays) rendered.set(name, await renderOverlay(name));
});

const workloads = (objects: K8sObject[]) => objects.filter((o) => o.kind === "Deployment" || o.kind === "Job") as (K8sObject & Workload)[];
const allContainers = (spec: PodSpec) => [...(spec.initContainers ?? []), ...spec.containers];
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("the PrometheusRule", () => {
  it("is generated from ops/prometheus/alerts.yml and up to date (npm run deploy:rules)", () => {
    const alerts = readFileSync(ALERTS_PATH, "utf8");
    expect(readFileSync(RULE_PATH, "utf8"), "deploy/kubernetes/base/prometheus-rule.yaml is stale: run `npm run deploy:rules`").toBe(renderPrometheusRule(alerts));
    // and carries exactly the source's groups
    const rule = parse(readFileSync(RULE_PATH, "utf8")) as { spec: { groups: unknown } };
    expect(rule.spec.groups).toEqual((parse(alerts) as { groups: unknown }).groups);
  });

  it("notices a change of the source", () => {
    const alerts = readFileSync(ALERTS_PATH, "utf8").replace("> 0.005", "> 0.01");
    expect(renderPrometheusRule(alerts)).not.toBe(readFileSync(RULE_PATH, "utf8"));
  });
});

describe.skipIf(!kubectl.available).each(overlays)("overlay %s", (overlay) => {
  const objects = () => rendered.get(overlay)!;

  it("renders, and every object validates against its schema", async () => {
    expect(objects().length).toBeGreaterThan(10);
    for (const object of objects()) await validateObject(object);
    const kinds = new Set(objects().map((o) => o.kind));
    for (const kind of ["Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Job", "ScaledObject", "TriggerAuthentication",
      "ConfigMap", "PodMonitor", "PrometheusRule", "NetworkPolicy"]) expect(kinds, kind).toContain(kind);
  });

  it("refuses an object that breaks its schema (the validator is live)", async () => {
    const api = structuredClone(find(objects(), "Deployment", "kinema-api")) as K8sObject & Workload;
    (api.spec as { replicas: unknown }).replicas = "two";
    await expect(validateObject(api)).rejects.toThrow(/replicas must be integer/);
  });

  it("runs at least two API replicas with readiness on /readyz, liveness on /healthz, requests, a PDB, a Service and a CPU HPA", () => {
    const api = find<Workload>(objects(), "Deployment", "kinema-api");
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    const container = api.spec.template.spec.containers.find((c) => c.name === "api")!;
    expect(container.args).toEqual(["api"]);
    expect(container.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(container.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(container.resources?.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    const labels = api.spec.template.metadata!.labels!;
    const pdb = find<{ spec: { selector: { matchLabels: Record<string, string> } } }>(objects(), "PodDisruptionBudget", "kinema-api");
    expect(selects(pdb.spec.selector.matchLabels, labels)).toBe(true);
    const service = find<{ spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }>(objects(), "Service", "kinema-api");
    expect(selects(service.spec.selector, labels)).toBe(true);
    expect(container.ports?.map((p) => p.name)).toContain(service.spec.ports[0]!.targetPort);
    const hpa = find<{ spec: { minReplicas: number; scaleTargetRef: { name: string }; metrics: { resource?: { name: string } }[] } }>(objects(), "HorizontalPodAutoscaler", "kinema-api");
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.scaleTargetRef.name).toBe("kinema-api");
    expect(hpa.spec.metrics.map((m) => m.resource?.name)).toContain("cpu");
  });

  it("gives workers a grace period that covers the drain budget, a metrics port and no GPU unless production", () => {
    const worker = find<Workload>(objects(), "Deployment", "kinema-worker");
    const pod = worker.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(DRAIN_BUDGET_SECONDS);
    const container = pod.containers.find((c) => c.name === "worker")!;
    expect(container.args).toEqual(["worker"]);
    expect(container.ports).toContainEqual({ name: "metrics", containerPort: 9464 });
    const gpus = container.resources?.limits?.["nvidia.com/gpu"];
    if (overlay === "production") {
      expect(Number(gpus)).toBeGreaterThanOrEqual(1);
      expect(pod.nodeSelector).toBeDefined();
      expect(pod.tolerations?.some((t) => t.key === "nvidia.com/gpu")).toBe(true);
      expect(container.env).toContainEqual({ name: "KINEMA_EXECUTION_PROVIDER", value: "webgpu" });
    } else {
      expect(JSON.stringify(objects())).not.toContain("nvidia.com/gpu");
    }
  });

  it("scales workers with KEDA on the PostgreSQL demand query, with activation and bounds", () => {
    const scaled = find<{ spec: { scaleTargetRef: { name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[] } }>(objects(), "ScaledObject", "kinema-worker");
    expect(scaled.spec.scaleTargetRef.name).toBe("kinema-worker");
    expect(scaled.spec.maxReplicaCount).toBeGreaterThan(scaled.spec.minReplicaCount);
    const [trigger] = scaled.spec.triggers;
    expect(trigger?.type).toBe("postgresql");
    expect(trigger?.metadata.query).toMatch(/FROM jobs j/);
    expect(trigger?.metadata.activationTargetQueryValue).toBeDefined();
    find(objects(), "TriggerAuthentication", trigger!.authenticationRef!.name);
    if (overlay === "dev") expect(scaled.spec.minReplicaCount).toBe(0); // scale from zero
  });

  it("pins every image to this release's tag, never latest", () => {
    for (const w of workloads(objects())) {
      for (const c of allContainers(w.spec.template.spec)) {
        const tag = /:([^/:@]+)$/.exec(c.image)?.[1];
        expect(tag, `${w.metadata.name}/${c.name}: ${c.image}`).toBe(VERSION);
      }
    }
    expect(JSON.stringify(objects())).not.toMatch(/:latest\b/);
  });

  it("migrates in a Job on the direct connection, and holds the API and workers until the schema is there", () => {
    const job = workloads(objects()).find((o) => o.kind === "Job")!;
    expect(job.metadata.name).toBe(`kinema-migrate-${VERSION}`);
    const migrate = job.spec.template.spec.containers[0]!;
    expect(migrate.args).toEqual(["migrate"]);
    expect(migrate.env).toContainEqual({ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "kinema-secrets", key: "DATABASE_DIRECT_URL" } } });
    for (const name of ["kinema-api", "kinema-worker"]) {
      const init = find<Workload>(objects(), "Deployment", name).spec.template.spec.initContainers ?? [];
      expect(init.map((c) => c.args?.slice(0, 2)), name).toContainEqual(["migrate", "--wait"]);
    }
  });

  it("runs every container as non-root on a read-only root file system with /tmp writable", () => {
    for (const w of workloads(objects())) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      for (const c of allContainers(pod)) {
        expect(c.securityContext, `${w.metadata.name}/${c.name}`).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(c.volumeMounts?.map((m) => m.mountPath), `${w.metadata.name}/${c.name}`).toContain("/tmp");
      }
    }
  });

  it("lets nothing into workers but the metrics port", () => {
    const worker = find<Workload>(objects(), "Deployment", "kinema-worker");
    const policies = objects().filter((o) => o.kind === "NetworkPolicy") as (K8sObject & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress?: { ports?: { port: string | number }[] }[] } })[];
    const covering = policies.filter((p) => selects(p.spec.podSelector.matchLabels, worker.spec.template.metadata!.labels));
    expect(covering).toHaveLength(1);
    expect(covering[0]!.spec.policyTypes).toContain("Ingress");
    const ports = (covering[0]!.spec.ingress ?? []).flatMap((rule) => rule.ports ?? [{ port: "ALL" }]).map((p) => p.port);
    expect(ports).toEqual(["metrics"]);
  });

  it("scrapes the API's /metrics from its own port, which the public Service never exposes", () => {
    const api = find<Workload>(objects(), "Deployment", "kinema-api");
    const container = api.spec.template.spec.containers.find((c) => c.name === "api")!;
    expect(container.ports).toContainEqual({ name: "metrics", containerPort: 9465 });
    const service = find<{ spec: { ports: { targetPort: string | number }[] } }>(objects(), "Service", "kinema-api");
    expect(service.spec.ports.map((p) => p.targetPort)).not.toContain("metrics");
    const monitor = find<{ spec: { podMetricsEndpoints: { port: string }[] } }>(objects(), "PodMonitor", "kinema-api");
    expect(monitor.spec.podMetricsEndpoints.map((e) => e.port)).toEqual(["metrics"]);
  });

  it("sets only settings Kinema knows, with values its configuration accepts", () => {
    // The README's Configuration table: the first cell names one variable, or several (`A` / `B`).
    const cells = [...readFileSync(resolve(ROOT, "README.md"), "utf8").matchAll(/^\| (`[A-Z0-9_]+`(?: \/ `[A-Z0-9_]+`)*) \|/gm)].map((m) => m[1]!);
    const documented = new Set(cells.flatMap((cell) => [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!)));
    // Read by the image or the platform, not by src/config: the pooler settings (docs/DEPLOY.md,
    // "PgBouncer") and the NVIDIA runtime's.
    const outside = new Set(["NVIDIA_DRIVER_CAPABILITIES"]);
    const config = find<{ data: Record<string, string> }>(objects(), "ConfigMap", "kinema-config").data;
    for (const w of workloads(objects())) {
      for (const c of allContainers(w.spec.template.spec)) {
        const env: Record<string, string> = c.envFrom?.some((e) => e.configMapRef?.name === "kinema-config") ? { ...config } : {};
        // A Secret's value: a URL of its own per key (DATABASE_URL and DATABASE_DIRECT_URL must differ behind a pooler).
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          // A key (not a URL) where the name says so: the signed-URL key is 32 base64url bytes.
          const secretValue = (key: string) => key.endsWith("_URL") ? `postgresql://${key.toLowerCase()}@db.example:5432/kinema` : "k".repeat(43);
          env[e.name] = e.value ?? (ref ? secretValue(ref.key) : "from-the-pod");
        }
        for (const name of Object.keys(env)) expect(documented.has(name) || outside.has(name), `${w.metadata.name}/${c.name}: ${name} is not a Kinema setting`).toBe(true);
        // The C2PA files are mounted from a Secret; the configuration only checks they are named.
        expect(() => loadConfig(env), `${w.metadata.name}/${c.name}`).not.toThrow();
      }
    }
  });

  it("names only Secret keys the overlay provides or documents", () => {
    const provided = new Map<string, Set<string>>();
    for (const s of objects().filter((o) => o.kind === "Secret") as (K8sObject & { data?: Record<string, string> })[]) provided.set(s.metadata.name, new Set(Object.keys(s.data ?? {})));
    const example = resolve(KUSTOMIZE_DIR, "overlays", overlay, "secrets.example.env");
    if (!provided.has("kinema-secrets")) {
      const keys = readFileSync(example, "utf8").split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]!);
      provided.set("kinema-secrets", new Set(keys));
    }
    const refs = workloads(objects()).flatMap((w) => allContainers(w.spec.template.spec).flatMap((c) => c.env ?? []))
      .map((e) => e.valueFrom?.secretKeyRef).filter((r) => r !== undefined);
    const keda = find<{ spec: { secretTargetRef: { name: string; key: string }[] } }>(objects(), "TriggerAuthentication", "kinema-keda-postgres");
    for (const ref of [...refs, ...keda.spec.secretTargetRef]) {
      if ("optional" in ref && ref.optional) continue;
      expect(provided.get(ref.name)?.has(ref.key), `${ref.name}/${ref.key}`).toBe(true);
    }
  });
});

// The requests bench:abuse floods with, per class of issue 21: for each, the worst shapes a client can
// send (all refused now) and the worst the limits still allow (at the limit), so both are measured.
import { getIntrospectionQuery } from "graphql";

export const FLOOD_PHASES = [
  "introspection-anonymous", "introspection-keyed", "aliased-expensive", "expensive-at-limit",
  "aliased-mutations", "default-variable", "huge-documents", "sockets",
] as const;
export type FloodPhase = (typeof FLOOD_PHASES)[number];

export interface Shape { name: string; key: string | null; body: string }

const aliased = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ");
const NODE = "id status stage prompt createdAt queuePosition etaSeconds error { code message } video { url width height bytes provenance { state actions } }";
const PAGE = `jobs(first: $n) { nodes { ${NODE} } edges { cursor node { ${NODE} } } }`;
const FULL_INTROSPECTION = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
const SLO = "sloReport(window: 2592000) { met tiers { tier queueWait { p50Seconds } endToEnd { p95Seconds } } }";
const PLAN = "fleetPlan(input: { arrivalRatePerSecond: 1, gpuHourlyCost: 2 }) { gpusNeeded bottleneck }";

export function shapesFor(phase: FloodPhase, keys: { attacker: string; plus: string }, jobId: string): Shape[] {
  const q = (name: string, key: string | null, query: string, variables?: Record<string, unknown>) => ({ name, key, body: JSON.stringify({ query, variables }) });
  const { attacker } = keys;
  switch (phase) {
    case "introspection-anonymous": return [
      q("100 aliased __schema", null, `{ ${aliased(100, "__schema { types { name fields { name } } }")} }`),
      q("300 aliased __schema (the probe)", null, `{ ${aliased(300, "__schema { types { name fields { name } } }")} }`),
      q("full introspection", null, FULL_INTROSPECTION),
      q("__schema through a fragment", null, `{ ...I } fragment I on Query { __schema { types { name } } }`),
    ];
    case "introspection-keyed": return [
      q("full introspection (allowed)", attacker, FULL_INTROSPECTION),
      q("two __schema roots", attacker, `{ a: __schema { types { name } } b: __schema { types { name } } }`),
      q("aliased big lists", attacker, `{ __schema { types { ${aliased(8, "fields { name args { name type { name ofType { name } } } type { name } }")} } } }`),
    ];
    case "aliased-expensive": return [
      q("28 aliased sloReport", attacker, `{ ${aliased(28, SLO)} }`),
      q("30 aliased fleetPlan", attacker, `{ ${aliased(30, PLAN)} }`),
      q("100 aliased sloReport", attacker, `{ ${aliased(100, "sloReport(window: 60) { met }")} }`),
      q("2000 aliased sloReport", attacker, `{ ${aliased(2000, "sloReport(window: 60) { met }")} }`),
    ];
    case "expensive-at-limit": return [
      q("5 sloReport over 30 days (allowed)", attacker, `{ ${aliased(5, SLO)} }`),
    ];
    case "aliased-mutations": return [
      q("6 aliased generateVideo", attacker, `mutation { ${aliased(6, `generateVideo(input: { prompt: "a red circle", durationSeconds: 1 }) { job { id } }`)} }`),
      q("mutations through fragments", attacker, `mutation { ...A ...B } fragment A on Mutation { ${aliased(3, `cancelJob(id: "${jobId}") { job { id } }`)} } fragment B on Mutation { ${Array.from({ length: 3 }, (_, i) => `b${i}: cancelJob(id: "${jobId}") { job { id } }`).join(" ")} }`),
      q("1500 aliased cancelJob", attacker, `mutation { ${aliased(1500, `cancelJob(id: "x") { job { id } }`)} }`),
      q("5 cancelJob (allowed)", attacker, `mutation { ${aliased(5, `cancelJob(id: "00000000-0000-0000-0000-000000000000") { job { id } userErrors { code } }`)} }`),
    ];
    case "default-variable": return [
      q("$n = 100 by default", attacker, `query($n: Int = 100) { ${PAGE} }`),
      q("$n = 100 sent", attacker, `query($n: Int) { ${PAGE} }`, { n: 100 }),
      q("$n = 100 in a fragment", attacker, `query($n: Int = 100) { ...P } fragment P on Query { ... on Query { ${PAGE} } }`),
      q("$n = 20 (allowed)", attacker, `query($n: Int = 20) { ${PAGE} }`),
    ];
    case "huge-documents": return [
      q("99 KB of tokens", attacker, `{ ${"__typename ".repeat(9_000)} }`),
      q("over the body limit", attacker, `{ ${"__typename ".repeat(11_000)} }`),
      q("a field 300 times", attacker, `{ ${"jobs { nodes { id video { url } } } ".repeat(300)} }`),
      q("fragment chain 2^40", attacker, `query { ...F0 } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F40 on Query { me { id } }`),
      q("101 fragments", attacker, `{ ...F0 } ${Array.from({ length: 101 }, (_, i) => `fragment F${i} on Query { ${i < 100 ? `...F${i + 1}` : "me { id }"} }`).join(" ")}`),
    ];
    case "sockets": return [];
  }
}

// The per-operation limits, checked on the parsed document before validation and execution, on HTTP
// (src/api/server.ts, ahead of Apollo) and on the socket (src/api/subscriptions.ts) alike. A refusal is
// a typed GraphQL error computed from the document alone, in time linear in its size: the parser stops at
// KINEMA_MAX_QUERY_TOKENS, each fragment is measured once however often it is spread, and a work budget
// bounds the rest. Why before validation: graphql-js's OverlappingFieldsCanBeMerged rule is quadratic in
// a field repeated in one selection set (300 copies of `jobs { nodes { id video { url } } }`, 1,500 tokens,
// took 0.5 s to validate here), so validation only ever sees documents these limits already bound.
//
// What is counted (fragments, named and inline, expanded: a spread costs what it expands to):
// - cost: each field its weight (src/api/query-weights.ts, at least 1); a field with `first` multiplies
//   its selection by the page size it will run with (the variable's value, else the variable's default,
//   else the argument's default), other list fields by their assumed size;
// - depth (introspection aside), selected fields, aliases, mutations (root fields of a mutation);
// - introspection: `__schema`/`__type` need an API key, at most one per operation, and what is selected
//   under it is bounded by 1.5x the size of a full schema download; an account has a budget of
//   introspection operations (a token bucket: KINEMA_INTROSPECTION_BURST, refilled at
//   KINEMA_INTROSPECTION_PER_MINUTE), past which they are refused RATE_LIMITED (HTTP 429) until it refills.
//
// One walk measures the document: every definition for the shape limits, the operation that would run
// (with its variables' values) for the rest. Parsed documents are cached by text (./document-cache.ts).
import {
  GraphQLError, Kind, SchemaMetaFieldDef, TypeMetaFieldDef, getIntrospectionQuery, getNamedType, getNullableType,
  getOperationAST, isInterfaceType, isListType, isObjectType, parse, validate, valueFromASTUntyped,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode, type ValueNode,
} from "graphql";
import { DocumentCache } from "./document-cache.js";
import { refusal } from "./errors.js";
import { rateLimited, TokenBuckets, type BucketRate } from "./token-buckets.js";
import {
  DEFAULT_LIST_SIZE, DEFAULT_MUTATION_WEIGHT, FIELD_WEIGHTS, INTROSPECTION_WEIGHT, LIST_SIZES, introspectionListSizes,
} from "./query-weights.js";

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  /** tokens the parser reads before it gives up */
  maxTokens: number;
  /** aliased fields in one operation or fragment, fragments expanded */
  maxAliases: number;
  /** selected fields in one operation or fragment, fragments expanded */
  maxFields: number;
  /** root fields of one mutation operation, aliased or not */
  maxMutations: number;
  /** introspection operations per account (per API process) */
  introspection: BucketRate;
}

/** One response key selected more often than this in one selection set (through fragments, usually) is refused. */
export const MAX_FIELD_REPEATS = 10;
/** Fragment and operation definitions in one document (a client sends one operation and its fragments). */
export const MAX_FRAGMENTS = 100;
export const MAX_OPERATIONS = 20;
/** Introspection may select up to this many times what a full schema download does. */
const INTROSPECTION_SLACK = 1.5;
/** Selections visited and response keys merged while measuring one document; legitimate ones take hundreds. */
const WORK_BUDGET = 200_000;

export interface OperationRequest {
  operationName?: string | null;
  variables?: unknown;
  /** whether the request carries a valid API key (introspection needs one) */
  authenticated: boolean;
  /** the caller's account: an introspection operation spends from its budget (none given: nothing is spent) */
  accountId?: string | null;
}

export type LimitCode =
  | "QUERY_TOO_COMPLEX" | "QUERY_TOO_DEEP" | "TOO_MANY_ALIASES" | "TOO_MANY_FIELDS" | "TOO_MANY_FRAGMENTS" | "TOO_MANY_OPERATIONS"
  | "TOO_MANY_MUTATIONS" | "INTROSPECTION_LIMITED" | "GRAPHQL_PARSE_FAILED";

export function limitError(code: LimitCode, message: string, details: Record<string, unknown> = {}, status = 400): GraphQLError {
  return refusal(message, { extensions: { code, ...details, http: { status } } });
}

function anonymousIntrospection(): GraphQLError {
  return limitError("INTROSPECTION_LIMITED", "Introspection (__schema, __type) needs an API key: Authorization: Bearer <key>.", {}, 401);
}

/** What the limits decided about one document for one kind of request (its refusal is sent as it is). */
interface Verdict { refusal: GraphQLError | null; introspection: boolean }

/** Thrown inside a walk to stop it at the first limit passed. */
class Refused extends Error {
  constructor(readonly error: GraphQLError) { super(error.message); }
}

export interface OperationMeasure {
  cost: number;
  depth: number;
  fields: number;
  aliases: number;
  mutations: number;
  introspectionRoots: number;
  introspectionSize: number;
}

interface Measure {
  cost: number;
  depth: number;
  fields: number;
  aliases: number;
  /** non-introspection fields directly in this selection set, fragments flattened (a mutation's root fields) */
  topFields: number;
  introspectionRoots: number;
  /** entries an introspection selection can return, at most */
  introspectionSize: number;
  /** response keys of this selection set, fragments flattened, with how often each is selected */
  keys: Map<string, number>;
}

export class QueryLimiter {
  private readonly listSizes: Record<string, number>;
  /** the largest introspection selection allowed, in entries */
  readonly introspectionBound: number;
  readonly documents = new DocumentCache();
  private readonly introspectionBudget: TokenBuckets;
  private readonly verdicts = new WeakMap<DocumentNode, Map<string, Verdict>>();

  constructor(private readonly schema: GraphQLSchema, readonly limits: QueryLimits) {
    this.listSizes = { ...LIST_SIZES, ...introspectionListSizes(schema) };
    this.introspectionBudget = new TokenBuckets(limits.introspection);
    const full = parse(getIntrospectionQuery({
      descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true,
    }));
    const measured = new Walker(schema, this.listSizes, full, {}).measureOperation(getOperationAST(full)!);
    this.introspectionBound = Math.ceil(measured.introspectionSize * INTROSPECTION_SLACK);
  }

  /** The document, or GRAPHQL_PARSE_FAILED (a syntax error, or more than maxTokens tokens). Cached by text. */
  parse(source: string): DocumentNode | GraphQLError {
    return this.documents.parse(source, (text) => {
      try {
        return parse(text, { maxTokens: this.limits.maxTokens });
      } catch (error) {
        return limitError("GRAPHQL_PARSE_FAILED", (error as Error).message);
      }
    });
  }

  /**
   * The first limit the document passes, or null. The shape limits (fragments, fields, aliases,
   * repeats) hold for every definition in the document, since validation reads them all; the others for
   * the operation that would run (none found: null, validation says why). Last, an introspection
   * operation that passed everything spends one of `accountId`'s introspection budget.
   */
  check(document: DocumentNode, request: OperationRequest): GraphQLError | null {
    const operation = getOperationAST(document, request.operationName ?? undefined) ?? undefined;
    const verdict = this.verdictOf(document, operation, request);
    if (verdict.refusal || !verdict.introspection || !request.accountId) return verdict.refusal;
    const wait = this.introspectionBudget.take(request.accountId);
    if (wait === 0) return null;
    const { burst, perSecond } = this.limits.introspection;
    return rateLimited("introspection", `Introspection budget spent (${burst} at once, ${round(perSecond * 60)} a minute per account).`, wait);
  }

  /**
   * The limits' verdict, remembered per document (the cache hands one document to every request with
   * its text) when the operation declares no variables, so nothing but the document, the operation's
   * name and whether the caller has a key decides it: a flood of one document is measured once.
   */
  private verdictOf(document: DocumentNode, operation: OperationDefinitionNode | undefined, request: OperationRequest): Verdict {
    const cacheable = !operation?.variableDefinitions?.length;
    const key = `${request.authenticated ? "k" : "a"}:${request.operationName ?? ""}`;
    const known = cacheable ? this.verdicts.get(document)?.get(key) : undefined;
    if (known) return known;
    let verdict: Verdict;
    try {
      const walker = new Walker(this.schema, this.listSizes, document, operation ? variableValues(operation, request.variables) : {});
      const measured = this.checkShape(document, walker, operation, request.authenticated);
      if (operation && measured) this.checkOperation(operation, measured);
      verdict = { refusal: null, introspection: (measured?.introspectionRoots ?? 0) > 0 };
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      verdict = { refusal: error.error, introspection: false };
    }
    if (cacheable) {
      let byRequest = this.verdicts.get(document);
      if (!byRequest) this.verdicts.set(document, (byRequest = new Map()));
      if (byRequest.size < 8) byRequest.set(key, verdict); // a few operation names per document, not one per guess
    }
    return verdict;
  }

  /** The shape limits over every definition; returns the measure of `operation` (walked with its variables). */
  private checkShape(document: DocumentNode, walker: Walker, operation: OperationDefinitionNode | undefined, authenticated: boolean): Measure | null {
    const { maxFields, maxAliases } = this.limits;
    const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).length;
    if (fragments > MAX_FRAGMENTS) {
      throw new Refused(limitError("TOO_MANY_FRAGMENTS", `The document defines ${fragments} fragments; the limit is ${MAX_FRAGMENTS}.`, { limit: MAX_FRAGMENTS }));
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
    if (operations > MAX_OPERATIONS) {
      throw new Refused(limitError("TOO_MANY_OPERATIONS", `The document defines ${operations} operations; the limit is ${MAX_OPERATIONS}.`, { limit: MAX_OPERATIONS }));
    }
    let measured: Measure | null = null;
    for (const definition of document.definitions) {
      let m: Measure;
      if (definition.kind === Kind.OPERATION_DEFINITION) m = walker.measureOperation(definition);
      else if (definition.kind === Kind.FRAGMENT_DEFINITION) m = walker.measureFragment(definition.name.value, new Set());
      else continue;
      if (definition === operation) measured = m;
      if (m.introspectionRoots > 0 && !authenticated) throw new Refused(anonymousIntrospection());
      if (m.fields > maxFields) {
        throw new Refused(limitError("TOO_MANY_FIELDS", `The operation selects ${m.fields} fields (fragments expanded); the limit is ${maxFields}.`, { fields: m.fields, limit: maxFields }));
      }
      if (m.aliases > maxAliases) {
        throw new Refused(limitError("TOO_MANY_ALIASES", `The operation uses ${m.aliases} aliases (fragments expanded); the limit is ${maxAliases}.`, { aliases: m.aliases, limit: maxAliases }));
      }
    }
    return measured;
  }

  /**
   * What the operation that would run measures (for tests and benches); null when there is none to run.
   * Throws the GraphQLError of a shape limit met on the way (a field repeated, the work budget).
   */
  measure(document: DocumentNode, request: Omit<OperationRequest, "authenticated">): OperationMeasure | null {
    const operation = getOperationAST(document, request.operationName ?? undefined);
    if (!operation) return null;
    try {
      const walker = new Walker(this.schema, this.listSizes, document, variableValues(operation, request.variables));
      const { keys: _keys, topFields, ...rest } = walker.measureOperation(operation);
      return { ...rest, mutations: operation.operation === "mutation" ? topFields : 0 };
    } catch (error) {
      throw error instanceof Refused ? error.error : error;
    }
  }

  private checkOperation(operation: OperationDefinitionNode, m: Measure): void {
    const { maxDepth, maxCost, maxMutations } = this.limits;
    if (m.introspectionRoots > 0) { // anonymous introspection was refused by checkShape, for every definition
      if (m.introspectionRoots > 1) {
        throw new Refused(limitError("INTROSPECTION_LIMITED", `One __schema or __type per operation; this one has ${m.introspectionRoots}.`, { limit: 1 }));
      }
      if (m.introspectionSize > this.introspectionBound) {
        throw new Refused(limitError("INTROSPECTION_LIMITED", `The introspection selection could return ${m.introspectionSize} entries; the limit is ${this.introspectionBound} (1.5 full schemas).`, {
          size: m.introspectionSize, limit: this.introspectionBound,
        }));
      }
    }
    if (operation.operation === "mutation" && m.topFields > maxMutations) {
      throw new Refused(limitError("TOO_MANY_MUTATIONS", `The operation runs ${m.topFields} mutations; the limit is ${maxMutations} per operation.`, { mutations: m.topFields, limit: maxMutations }));
    }
    if (m.depth > maxDepth) {
      throw new Refused(limitError("QUERY_TOO_DEEP", `Query is too deep: the limit is ${maxDepth} levels.`, { maxDepth }));
    }
    if (m.cost > maxCost) {
      throw new Refused(limitError("QUERY_TOO_COMPLEX", `Query is too expensive: cost ${m.cost} is over the limit of ${maxCost}.`, { cost: m.cost, maxCost }));
    }
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** What each variable will hold when the operation runs: the value sent, else the definition's default. */
function variableValues(operation: OperationDefinitionNode, sent: unknown): Record<string, unknown> {
  const given = sent && typeof sent === "object" && !Array.isArray(sent) ? (sent as Record<string, unknown>) : {};
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (Object.hasOwn(given, name)) values[name] = given[name];
    else if (definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return values;
}

/** One measurement of one document under one set of variable values; each fragment is measured once. */
class Walker {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly memo = new Map<string, Measure>();
  private work = 0;

  constructor(
    private readonly schema: GraphQLSchema, private readonly listSizes: Record<string, number>,
    document: DocumentNode, private readonly variables: Record<string, unknown>,
  ) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION && !this.fragments.has(d.name.value)) this.fragments.set(d.name.value, d);
  }

  measureOperation(operation: OperationDefinitionNode): Measure {
    const root = operation.operation === "query" ? this.schema.getQueryType()
      : operation.operation === "mutation" ? this.schema.getMutationType() : this.schema.getSubscriptionType();
    return this.measure(operation.selectionSet, root ?? undefined, new Set());
  }

  /** A fragment's measure (memoized). `stack`: the fragments being expanded, to step over cycles. */
  measureFragment(name: string, stack: ReadonlySet<string>): Measure {
    const known = this.memo.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    // An unknown fragment or a cycle is a validation error of its own: it measures as nothing here.
    if (!fragment || stack.has(name)) return emptyMeasure();
    const measured = this.measure(fragment.selectionSet, this.typeNamed(fragment.typeCondition.name.value), new Set([...stack, name]));
    this.memo.set(name, measured);
    return measured;
  }

  private measure(set: SelectionSetNode, parent: GraphQLNamedType | undefined, stack: ReadonlySet<string>): Measure {
    const m = emptyMeasure();
    for (const selection of set.selections) {
      this.spend(1);
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const key = selection.alias?.value ?? name;
        m.keys.set(key, (m.keys.get(key) ?? 0) + 1);
        m.fields += 1;
        if (selection.alias) m.aliases += 1;
        const field = this.fieldOf(parent, name);
        const introspectionRoot = name === "__schema" || name === "__type";
        if (!name.startsWith("__")) m.topFields += 1;
        const weight = introspectionRoot ? INTROSPECTION_WEIGHT : this.weightOf(parent, name);
        if (!selection.selectionSet) {
          m.cost += weight;
          continue;
        }
        const child = this.measure(selection.selectionSet, field ? getNamedType(field.type) : undefined, stack);
        m.fields += child.fields;
        m.aliases += child.aliases;
        if (introspectionRoot) {
          m.cost += weight;
          m.introspectionRoots += 1;
          m.introspectionSize += 1 + child.cost;
          continue;
        }
        m.cost += weight + this.itemsOf(parent, field, selection.arguments?.find((a) => a.name.value === "first")?.value) * child.cost;
        m.depth = Math.max(m.depth, 1 + child.depth);
        m.introspectionRoots += child.introspectionRoots;
        m.introspectionSize += child.introspectionSize;
        continue;
      }
      const child = selection.kind === Kind.INLINE_FRAGMENT
        ? this.measure(selection.selectionSet, selection.typeCondition ? this.typeNamed(selection.typeCondition.name.value) : parent, stack)
        : this.measureFragment(selection.name.value, stack);
      m.cost += child.cost;
      m.depth = Math.max(m.depth, child.depth);
      m.fields += child.fields;
      m.aliases += child.aliases;
      m.topFields += child.topFields;
      m.introspectionRoots += child.introspectionRoots;
      m.introspectionSize += child.introspectionSize;
      this.spend(child.keys.size);
      for (const [key, count] of child.keys) m.keys.set(key, (m.keys.get(key) ?? 0) + count);
    }
    for (const [key, count] of m.keys) {
      if (count > MAX_FIELD_REPEATS) {
        throw new Refused(limitError("TOO_MANY_FIELDS", `\`${key}\` is selected ${count} times in one selection set (fragments expanded); the limit is ${MAX_FIELD_REPEATS}.`, {
          field: key, repeats: count, limit: MAX_FIELD_REPEATS,
        }));
      }
    }
    return m;
  }

  private spend(units: number): void {
    this.work += units;
    if (this.work > WORK_BUDGET) throw new Refused(limitError("QUERY_TOO_COMPLEX", "The document is too intricate to cost (too many selections through fragments)."));
  }

  private typeNamed(name: string): GraphQLNamedType | undefined {
    return this.schema.getType(name) ?? undefined;
  }

  private fieldOf(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === "__schema") return SchemaMetaFieldDef;
    if (name === "__type") return TypeMetaFieldDef;
    return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
  }

  private weightOf(parent: GraphQLNamedType | undefined, name: string): number {
    const weight = parent ? FIELD_WEIGHTS[`${parent.name}.${name}`] : undefined;
    if (weight !== undefined) return weight;
    return parent && parent === this.schema.getMutationType() && !name.startsWith("__") ? DEFAULT_MUTATION_WEIGHT : 1;
  }

  /**
   * How many times a field's selection runs: a field with a `first` argument (a page) runs it once per
   * item of the page it will really return; another list field, its assumed size; anything else once.
   */
  private itemsOf(parent: GraphQLNamedType | undefined, field: GraphQLField<unknown, unknown> | undefined, first: ValueNode | undefined): number {
    const firstArg = field?.args.find((a) => a.name === "first");
    if (firstArg) {
      const value = this.numberOf(first) ?? (typeof firstArg.defaultValue === "number" ? firstArg.defaultValue : DEFAULT_LIST_SIZE);
      return Math.max(1, Math.ceil(value));
    }
    if (!field || !isListType(getNullableType(field.type))) return 1;
    return this.listSizes[`${parent?.name}.${field.name}`] ?? DEFAULT_LIST_SIZE;
  }

  private numberOf(value: ValueNode | undefined): number | undefined {
    if (!value) return undefined;
    let raw: unknown;
    if (value.kind === Kind.VARIABLE) raw = this.variables[value.name.value];
    else if (value.kind === Kind.INT || value.kind === Kind.FLOAT) raw = Number(value.value);
    else return undefined;
    const n = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : NaN;
    return Number.isFinite(n) ? n : undefined;
  }
}

function emptyMeasure(): Measure {
  return { cost: 0, depth: 0, fields: 0, aliases: 0, topFields: 0, introspectionRoots: 0, introspectionSize: 0, keys: new Map() };
}

/**
 * A socket operation made ready to run: parsed (bounded, cached by text), held to the limits, then
 * validated (once per cached document), in that order so that validation never sees a document the
 * limits refuse. Errors are typed and never thrown.
 */
export function admitOperation(
  limiter: QueryLimiter, schema: GraphQLSchema, payload: { query: string; operationName?: string | null; variables?: unknown },
  accountId: string,
): { document: DocumentNode; operation: OperationDefinitionNode } | GraphQLError[] {
  const document = limiter.parse(payload.query);
  if (document instanceof GraphQLError) return [document];
  const refused = limiter.check(document, { operationName: payload.operationName, variables: payload.variables, authenticated: true, accountId });
  if (refused) return [refused];
  const errors = limiter.documents.validate(document, (d) => validate(schema, d));
  if (errors.length > 0) return errors.map((e) => refusal(e.message, { nodes: e.nodes, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation) return [refusal("No operation to run.", { extensions: { code: "BAD_REQUEST" } })];
  return { document, operation };
}

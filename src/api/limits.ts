// Query depth and cost limits, checked before execution on HTTP and on the socket. Cost: every field
// costs 1, and a list field multiplies its selection by its `first` argument (default 20), so a page of
// 100 jobs with 10 fields costs about 1,000.
import {
  GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode,
  type SelectionSetNode, type ValueNode,
} from "graphql";

export interface QueryLimits { maxDepth: number; maxCost: number }

const DEFAULT_PAGE = 20;

export function checkQueryLimits(
  document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, limits: QueryLimits,
): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  let maxDepth = 0;
  const walk = (set: SelectionSetNode, depth: number, seen: ReadonlySet<string>): number => {
    maxDepth = Math.max(maxDepth, depth);
    if (depth > limits.maxDepth) return 0; // already over: stop walking, the depth error is enough
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith("__")) continue; // introspection is cheap and needed by the IDE
        const multiplier = pageSize(sel.arguments?.find((a) => a.name.value === "first")?.value, variables, sel.name.value);
        cost += 1 + (sel.selectionSet ? multiplier * walk(sel.selectionSet, depth + 1, seen) : 0);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        cost += walk(sel.selectionSet, depth, seen);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue; // cycles are a validation error of their own
        cost += walk(fragment.selectionSet, depth, new Set([...seen, name]));
      }
    }
    return cost;
  };
  const cost = walk(operation.selectionSet, 0, new Set());
  if (maxDepth > limits.maxDepth) {
    return new GraphQLError(`Query is too deep: the limit is ${limits.maxDepth} levels.`, {
      extensions: { code: "QUERY_TOO_DEEP", maxDepth: limits.maxDepth, http: { status: 400 } },
    });
  }
  if (cost > limits.maxCost) {
    return new GraphQLError(`Query is too expensive: cost ${cost} is over the limit of ${limits.maxCost}.`, {
      extensions: { code: "QUERY_TOO_COMPLEX", cost, maxCost: limits.maxCost, http: { status: 400 } },
    });
  }
  return null;
}

function pageSize(value: ValueNode | undefined, variables: Record<string, unknown> | undefined, field: string): number {
  if (!value) return field === "jobs" ? DEFAULT_PAGE : 1;
  if (value.kind === Kind.INT) return Math.max(1, Number(value.value));
  if (value.kind === Kind.VARIABLE) {
    const v = variables?.[value.name.value];
    return typeof v === "number" && v > 0 ? v : DEFAULT_PAGE;
  }
  return 1;
}

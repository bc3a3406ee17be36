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

  // Each fragment is measured once and its (cost, depth) reused wherever it is spread: walking it again
  // at every spread lets a chain of fragments that each spread the next twice cost 2^n (a 1 KB query
  // held the event loop for 15 s).
  interface Measure { cost: number; depth: number }
  const memo = new Map<string, Measure>();
  const measure = (set: SelectionSetNode, stack: ReadonlySet<string>): Measure => {
    let cost = 0;
    let depth = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith("__")) continue; // introspection is cheap and needed by the IDE
        if (!sel.selectionSet) {
          cost += 1;
          continue;
        }
        const multiplier = pageSize(sel.arguments?.find((a) => a.name.value === "first")?.value, variables, sel.name.value);
        const child = measure(sel.selectionSet, stack);
        cost += 1 + multiplier * child.cost;
        depth = Math.max(depth, 1 + child.depth);
      } else {
        let child: Measure;
        if (sel.kind === Kind.INLINE_FRAGMENT) child = measure(sel.selectionSet, stack);
        else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment || stack.has(name)) continue; // cycles are a validation error of their own
          let known = memo.get(name);
          if (!known) memo.set(name, (known = measure(fragment.selectionSet, new Set([...stack, name]))));
          child = known;
        }
        cost += child.cost;
        depth = Math.max(depth, child.depth);
      }
    }
    return { cost, depth };
  };
  const { cost, depth: maxDepth } = measure(operation.selectionSet, new Set());
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

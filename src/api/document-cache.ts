// Parsed documents by their source text, and each cached document's validation errors, for the
// limits' parse (HTTP precheck and socket alike) and the socket's validation (Apollo keeps its own
// cache for HTTP). Clients send the same few documents again and again: 800 subscriptions of one
// `jobProgress` document cost 800 parses and 800 validations (~0.6 ms each, 0.5 s of one core in
// bench:abuse's socket phase) before; one each now. Bounded by the source text it holds (an AST is
// ~30-50 times its source, so the default 256 KB of text is ~10 MB of heap at most); past it the least
// recently used document goes. Documents are never mutated after parsing (graphql-js treats the AST as
// read-only), so one may serve every request that sends its text.
import type { DocumentNode, GraphQLError } from "graphql";

export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();
  private readonly validations = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  private chars = 0;

  /**
   * `maxChars`: the source text held in all; `maxEntryChars`: a longer text is parsed every time (a
   * real client's documents are a few KB; the full introspection query is 2.6 KB).
   */
  constructor(private readonly maxChars = 256 * 1024, private readonly maxEntryChars = 16 * 1024) {}

  get size(): number {
    return this.documents.size;
  }

  /** The document parsed from `source`, parsing (and remembering) it on a miss; `parse` may return an error, which is not kept. */
  parse<E>(source: string, parse: (source: string) => DocumentNode | E): DocumentNode | E {
    const known = this.documents.get(source);
    if (known) {
      this.documents.delete(source); // re-inserted last: the Map's order is least recently used first
      this.documents.set(source, known);
      return known;
    }
    const parsed = parse(source);
    if (source.length > this.maxEntryChars || !isDocument(parsed)) return parsed;
    this.documents.set(source, parsed);
    this.chars += source.length;
    while (this.chars > this.maxChars) {
      const [oldest] = this.documents.keys();
      this.documents.delete(oldest!);
      this.chars -= oldest!.length;
    }
    return parsed;
  }

  /** The document's validation errors, computed once per document object (a cached one: once per text). */
  validate(document: DocumentNode, validate: (document: DocumentNode) => readonly GraphQLError[]): readonly GraphQLError[] {
    const known = this.validations.get(document);
    if (known) return known;
    const errors = validate(document);
    this.validations.set(document, errors);
    return errors;
  }
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Document";
}

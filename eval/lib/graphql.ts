// A small GraphQL-over-HTTP client for the evals: the same path a customer takes (POST /graphql with
// `Authorization: Bearer <key>`), so auth, tier from the key, limits and resolvers are all exercised.

export interface UserError { code: string; message: string; field?: string[] | null; retryAfterSeconds?: number | null }

export class GraphQLError extends Error {
  constructor(message: string, readonly status: number, readonly errors: unknown) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;

/**
 * The request never got an HTTP answer (undici's "fetch failed": a refused or reset connection, such as
 * a keep-alive socket the server closed as the client reused it, which a loaded machine makes likely).
 * The message carries the cause, which "fetch failed" alone hides.
 */
export class NetworkError extends Error {}

export class EvalClient {
  constructor(readonly url: string, private readonly key: string) {}

  /** `data` of one operation; any GraphQL error or non-200 answer throws (the eval reports it). */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.key}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).catch((error: unknown) => {
      if (!(error instanceof TypeError)) throw error; // a timeout stays a timeout
      const cause = error.cause as { code?: string; message?: string } | undefined;
      throw new NetworkError(`POST ${this.url}: ${error.message} (${cause?.code ?? cause?.message ?? "no cause given"})`, { cause: error });
    });
    const text = await res.text();
    let body: { data?: T; errors?: { message: string }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new GraphQLError(`HTTP ${res.status}: ${text.slice(0, 200)}`, res.status, null);
    }
    if (body.errors?.length || !body.data) {
      throw new GraphQLError(`HTTP ${res.status}: ${body.errors?.map((e) => e.message).join("; ") ?? "no data"}`, res.status, body.errors);
    }
    return body.data;
  }
}

export const ME = `{ me { id tier limits { resolutions minDurationSeconds maxDurationSeconds stepBudget } } }`;

export const GENERATE = `mutation($input: GenerateVideoInput!) {
  generateVideo(input: $input) { job { id status stepBudget } userErrors { code message field retryAfterSeconds } }
}`;

export const JOB = `query($id: ID!) { job(id: $id) {
  id status stage tier resolution durationSeconds fps stepBudget stepsCompleted attempts createdAt startedAt finishedAt cacheHit
  error { code message }
  video { url width height frames fps bytes provenance { state actions } }
} }`;

export interface JobView {
  id: string; status: string; stage: string; tier: string; resolution: string; durationSeconds: number; fps: number;
  stepBudget: number; stepsCompleted: number; attempts: number; cacheHit: boolean;
  createdAt: string; startedAt: string | null; finishedAt: string | null;
  error: { code: string; message: string } | null;
  video: { url: string; width: number; height: number; frames: number; fps: number; bytes: number; provenance: { state: string; actions: string[] } | null } | null;
}

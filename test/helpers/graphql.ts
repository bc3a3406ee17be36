// GraphQL clients for tests: plain fetch over HTTP, and graphql-ws over a real socket.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export class GraphQLTestClient {
  constructor(readonly url: string, readonly key: string | null) {}

  async request<T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.key ? { authorization: `Bearer ${this.key}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Omit<GraphQLResponse<T>, "status">;
    return { status: res.status, ...body };
  }

  /** `request`, failing the test on any GraphQL error. */
  async data<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const res = await this.request<T>(query, variables);
    if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
    return res.data as T;
  }

  socket(options: { onClose?: (code: number) => void } = {}): Client {
    return createClient({
      url: this.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: this.key ? { authorization: `Bearer ${this.key}` } : {},
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => options.onClose?.((event as { code: number }).code) },
    });
  }
}

export const GENERATE = `mutation Generate($input: GenerateVideoInput!) {
  generateVideo(input: $input) { job { id status stage tier stepBudget seed width height resolution queuePosition } userErrors { code message field } }
}`;

export const PROGRESS = `subscription Progress($id: ID!) {
  jobProgress(id: $id) { status stage step totalSteps queuePosition etaSeconds previewUrl job { id status attempts stepsCompleted video { url frames } } }
}`;

/** Collects a subscription's events until it completes (or errors). */
export function collect<T = any>(client: Client, query: string, variables: Record<string, unknown>, onEvent?: (event: T) => void) {
  const events: T[] = [];
  const done = new Promise<T[]>((resolve, reject) => {
    client.subscribe<T>({ query, variables }, {
      next: (value) => {
        if (value.errors) return reject(Object.assign(new Error(value.errors[0]!.message), { errors: value.errors }));
        events.push(value.data as T);
        onEvent?.(value.data as T);
      },
      error: (error) => reject(Array.isArray(error) ? Object.assign(new Error(error[0]?.message), { errors: error }) : error),
      complete: () => resolve(events),
    });
  });
  return { events, done };
}

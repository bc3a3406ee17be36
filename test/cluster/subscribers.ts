// Subscribers as real clients behave behind a load balancer: a graphql-ws socket each, that reconnects
// when its API process goes away (through HAProxy, to a surviving one) and re-subscribes; the API sends
// the job's current state first, so a terminal state reached while the socket was down is not missed.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "BLOCKED"]);
const PROGRESS = `subscription Progress($id: ID!) { jobProgress(id: $id) { status step totalSteps job { id status } } }`;

export interface Subscriber {
  client: Client;
  /** job id -> the terminal states this subscriber was shown (the same one may come again after a reconnect) */
  terminal: Map<string, string[]>;
  disposed: boolean;
  /** whether its socket is acknowledged and not closed since */
  open: boolean;
  /** sockets acknowledged (connection_ack) so far */
  connections: number;
  /** sockets opened after the first */
  reconnects: number;
  /** job id -> the last status this subscriber was shown */
  last: Map<string, string>;
  /**
   * failures that ended a subscription, each followed by a re-subscription, as a client does: a socket
   * closed with a server error (4500: the API could not read the database while a connection was
   * killed) or an error result. Times are kept, to check they fell on the killed connections.
   */
  errors: { at: number; error: string }[];
}

export function subscribe(url: string, key: string, jobIds: string[]): Subscriber {
  const s: Subscriber = {
    terminal: new Map(jobIds.map((id) => [id, []])), last: new Map(), disposed: false, open: false, connections: 0, reconnects: 0, errors: [],
    client: createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      lazy: false,
      // A lost socket is always retried: only the API process went away.
      retryAttempts: 1_000,
      shouldRetry: () => true,
      retryWait: async (n) => new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** n) * (0.5 + Math.random()))),
      // graphql-ws does not retry a 4500 itself; the subscriptions' error callbacks do (above).
      onNonLazyError: () => {},
      on: {
        connected: () => { s.open = true; if (s.connections++ > 0) s.reconnects += 1; },
        closed: () => { s.open = false; },
      },
    }),
  };
  const follow = (id: string) => {
    s.client.subscribe<{ jobProgress: { status: string } }>({ query: PROGRESS, variables: { id } }, {
      next: (value) => {
        if (value.errors?.length) s.errors.push({ at: Date.now(), error: value.errors.map((e) => e.message).join("; ") });
        const status = value.data?.jobProgress.status;
        if (status) s.last.set(id, status);
        if (status && TERMINAL.has(status)) s.terminal.get(id)!.push(status);
      },
      error: (error) => {
        const code = (error as { code?: number })?.code;
        s.errors.push({ at: Date.now(), error: code ? `close ${code} ${(error as { reason?: string }).reason ?? ""}` : String((error as Error)?.message ?? error) });
        if (s.terminal.get(id)!.length === 0 && !s.disposed) setTimeout(() => follow(id), 200 + Math.random() * 300);
      },
      complete: () => {},
    });
  };
  for (const id of jobIds) follow(id);
  return s;
}

/** Whether every subscriber was shown a terminal state of every job it watches. */
export function allTerminal(subscribers: Subscriber[]): boolean {
  return subscribers.every((s) => [...s.terminal.values()].every((states) => states.length > 0));
}

/** For a failure message: the subscribers (by index) still missing a terminal state, and what they last saw. */
export function missing(subscribers: Subscriber[]): string[] {
  return subscribers.flatMap((s, i) => [...s.terminal].filter(([, states]) => states.length === 0)
    .map(([id]) => `subscriber ${i} (${s.connections} connections): job ${id} last ${s.last.get(id) ?? "nothing"}`));
}

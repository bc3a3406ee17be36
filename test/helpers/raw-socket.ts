// A graphql-transport-ws connection driven message by message (no client library between the test and
// the protocol), to see exactly which messages and which close code the server sends.
import WebSocket from "ws";

export interface Closed { code: number; reason: string }

export class RawSocket {
  readonly messages: any[] = [];
  readonly closed: Promise<Closed>;
  private closedWith: Closed | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => this.messages.push(JSON.parse(String(data))));
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve((this.closedWith = { code, reason: String(reason) }))));
  }

  /** Opens a socket; with `key` (or null for none) it also sends connection_init and waits for the answer. */
  static async open(httpUrl: string, key?: string | null): Promise<RawSocket> {
    const ws = new WebSocket(httpUrl.replace(/^http/, "ws"), "graphql-transport-ws");
    const socket = new RawSocket(ws);
    await new Promise<void>((resolve, reject) => { ws.once("open", () => resolve()); ws.once("error", reject); });
    if (key !== undefined) {
      socket.send({ type: "connection_init", payload: key ? { authorization: `Bearer ${key}` } : {} });
      await Promise.race([socket.next((m) => m.type === "connection_ack"), socket.closed]);
    }
    return socket;
  }

  get isOpen(): boolean {
    return this.closedWith === null && this.ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ id, type: "subscribe", payload: { query, variables } });
  }

  /** One operation's result: its `next` payloads until `complete`, or its `error` payload. */
  async operation(id: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
    this.subscribe(id, query, variables);
    const message = await this.next((m) => m.id === id && (m.type === "next" || m.type === "error"));
    return message.type === "error" ? { errors: message.payload } : message.payload;
  }

  /** The first message (already received or coming) that matches; fails if the socket closes first. */
  async next(match: (message: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.closedWith) throw new Error(`socket closed (${this.closedWith.code} ${this.closedWith.reason}) before the message came`);
      if (Date.now() > deadline) throw new Error("timed out waiting for a message");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<Closed> {
    if (this.isOpen) this.ws.close(1000);
    return this.closed;
  }
}

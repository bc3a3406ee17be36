// What every open WebSocket is held to: a cap on sockets per remote address (counted from the TCP
// connection, before any message) and per account (from connection_init), an idle timeout, and its
// key's validity for as long as it stays open. Keys are re-checked in bulk every `recheckMs` (one
// statement for every key the process's sockets hold) and per operation through the key cache, so a
// revocation closes the socket (4403) within seconds and stops its subscriptions, and a tier or role
// change is what the socket's next operation runs with. Each account has a budget of operation starts
// (a token bucket over all its sockets): 400 subscriptions opened in a burst by 16 sockets of one
// account each read a job and held every other caller's requests back by a second (bench:abuse, socket
// phase); past the budget an operation is refused RATE_LIMITED before it is parsed. Close codes:
// ./close-codes.ts.
import type { IncomingMessage } from "node:http";
import type { WebSocket, WebSocketServer } from "ws";
import type { KeyAuthenticator, Principal } from "../accounts/authenticator.js";
import { isSuspended } from "../accounts/accounts.js";
import type { Config } from "../config/config.js";
import type { Logger } from "../log.js";
import type { GraphQLError } from "graphql";
import { CloseCode } from "./close-codes.js";
import { rateLimited, TokenBuckets } from "./token-buckets.js";

interface TrackedSocket {
  socket: WebSocket;
  address: string;
  principal: Principal | null;
  /** the operations graphql-ws holds for this socket (a live view: its keys are the operation ids) */
  operations: Record<string, unknown> | null;
  lastActivity: number;
}

export class SocketGuard {
  private readonly sockets = new Map<WebSocket, TrackedSocket>();
  private readonly perAddress = new Map<string, number>();
  private readonly perAccount = new Map<string, number>();
  private recheckTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private rechecking = false;
  private readonly operationBudget: TokenBuckets;

  constructor(
    private readonly auth: KeyAuthenticator,
    private readonly limits: Config["sockets"],
    private readonly recheckMs: number,
    private readonly log: Logger,
  ) {
    this.operationBudget = new TokenBuckets(limits.operations);
  }

  /** One operation start for the account: null when its budget allowed it, else the RATE_LIMITED refusal. */
  spendOperation(accountId: string): GraphQLError | null {
    const wait = this.operationBudget.take(accountId);
    if (wait === 0) return null;
    const { burst, perSecond } = this.limits.operations;
    return rateLimited("socket-operations", `Too many operations started on this account's sockets (${burst} at once, ${perSecond} a second).`, wait);
  }

  /** Counts every socket from the moment it connects; must be attached before graphql-ws. */
  attach(wsServer: WebSocketServer): void {
    wsServer.on("connection", (socket: WebSocket, request: IncomingMessage) => this.opened(socket, request));
    this.recheckTimer = setInterval(() => void this.recheck(), this.recheckMs);
    // Idle sockets are looked for four times per timeout (at most once a second), so one lives at most
    // 1.25 timeouts (or timeout + 1 s).
    this.idleTimer = setInterval(() => this.closeIdle(), Math.min(1_000, Math.max(25, this.limits.idleTimeoutMs / 4)));
    this.recheckTimer.unref();
    this.idleTimer.unref();
  }

  stop(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    if (this.idleTimer) clearInterval(this.idleTimer);
  }

  /**
   * After connection_init authenticated `principal`: admits the socket unless its account is at the
   * cap (then closes it, 4430). `operations` is graphql-ws's live record of the socket's operations.
   */
  admit(socket: WebSocket, principal: Principal, operations: Record<string, unknown>): boolean {
    const tracked = this.sockets.get(socket);
    if (!tracked) return false; // closed while its key was being checked
    const accountId = principal.account.id;
    if ((this.perAccount.get(accountId) ?? 0) >= this.limits.maxPerAccount) {
      socket.close(CloseCode.TooManyConnections, `Too many connections for this account (at most ${this.limits.maxPerAccount})`);
      return false;
    }
    tracked.principal = principal;
    tracked.operations = operations;
    tracked.lastActivity = Date.now();
    this.perAccount.set(accountId, (this.perAccount.get(accountId) ?? 0) + 1);
    return true;
  }

  /**
   * Who the socket's key authenticates now (through the key cache), for an operation about to start;
   * null after closing the socket with 4403 when the key no longer works.
   */
  async principalFor(socket: WebSocket): Promise<Principal | null> {
    const tracked = this.sockets.get(socket);
    if (!tracked?.principal) return null;
    tracked.lastActivity = Date.now();
    const principal = await this.auth.byHash(tracked.principal.keyHash);
    if (!principal || isSuspended(principal.account)) {
      this.closeRevoked(tracked, principal);
      return null;
    }
    tracked.principal = principal;
    return principal;
  }

  /** An operation ended: the idle clock starts again from now. */
  touch(socket: WebSocket): void {
    const tracked = this.sockets.get(socket);
    if (tracked) tracked.lastActivity = Date.now();
  }

  /** Closes every socket of a key this process just revoked, without waiting for the next re-check. */
  keyRevoked(keyHash: string): void {
    this.auth.invalidate(keyHash);
    for (const tracked of this.sockets.values()) if (tracked.principal?.keyHash === keyHash) this.closeRevoked(tracked);
  }

  /**
   * Staff changed this account (suspended it, changed its tier): re-read its sockets' keys now (which
   * also refreshes the key cache), so a suspension closes them at once in this process; other API
   * processes see it at their next recheck (KINEMA_KEY_CACHE_MS).
   */
  async accountChanged(accountId: string): Promise<void> {
    const mine = [...this.sockets.values()].filter((t) => t.principal?.account.id === accountId);
    if (mine.length === 0) return;
    const now = await this.auth.refresh([...new Set(mine.map((t) => t.principal!.keyHash))]);
    for (const tracked of mine) {
      const principal = now.get(tracked.principal!.keyHash) ?? null;
      if (!principal || isSuspended(principal.account)) this.closeRevoked(tracked, principal);
      else tracked.principal = principal;
    }
  }

  /** Re-reads every key held by an open socket (one statement) and closes the sockets of dead keys. */
  async recheck(): Promise<void> {
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      const hashes = new Set<string>();
      for (const t of this.sockets.values()) if (t.principal) hashes.add(t.principal.keyHash);
      const now = await this.auth.refresh([...hashes]);
      for (const tracked of this.sockets.values()) {
        if (!tracked.principal || !now.has(tracked.principal.keyHash)) continue;
        const principal = now.get(tracked.principal.keyHash);
        if (!principal || isSuspended(principal.account)) this.closeRevoked(tracked, principal);
        else tracked.principal = principal; // a tier or role change: the next operation runs with it
      }
    } catch (error) {
      this.log.warn({ err: error }, "could not re-check the keys of open sockets");
    } finally {
      this.rechecking = false;
    }
  }

  private opened(socket: WebSocket, request: IncomingMessage): void {
    const address = normaliseAddress(request.socket.remoteAddress);
    const count = this.perAddress.get(address) ?? 0;
    const tracked: TrackedSocket = { socket, address, principal: null, operations: null, lastActivity: Date.now() };
    this.sockets.set(socket, tracked);
    this.perAddress.set(address, count + 1);
    socket.once("close", () => this.closed(tracked));
    if (count >= this.limits.maxPerAddress) {
      socket.close(CloseCode.TooManyConnections, `Too many connections from this address (at most ${this.limits.maxPerAddress})`);
    }
  }

  private closed(tracked: TrackedSocket): void {
    if (!this.sockets.delete(tracked.socket)) return;
    decrement(this.perAddress, tracked.address);
    if (tracked.principal) decrement(this.perAccount, tracked.principal.account.id);
  }

  private closeRevoked(tracked: TrackedSocket, principal: Principal | null = null): void {
    // Closing ends every operation of the socket: graphql-ws returns each subscription's iterator.
    if (principal && isSuspended(principal.account)) tracked.socket.close(CloseCode.AccountSuspended, "ACCOUNT_SUSPENDED: this account is suspended");
    else tracked.socket.close(CloseCode.KeyRevoked, "The API key was revoked");
  }

  private closeIdle(): void {
    const deadline = Date.now() - this.limits.idleTimeoutMs;
    for (const tracked of this.sockets.values()) {
      // Before connection_init graphql-ws's own init timeout (4408) applies.
      if (!tracked.operations || tracked.lastActivity > deadline) continue;
      if (Object.keys(tracked.operations).length > 0) continue;
      tracked.socket.close(CloseCode.Idle, "Idle: no operation for too long");
    }
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 1) - 1;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}

/** "::ffff:10.0.0.1" and "10.0.0.1" are one IPv4 peer. */
function normaliseAddress(address: string | undefined): string {
  if (!address) return "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

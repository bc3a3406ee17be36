// The signed-in session every page reads: the account, authenticated requests and the shared socket.
import { createContext, useContext } from "react";
import type { Client } from "graphql-ws";
import type { Me } from "./types";

export interface Session {
  key: string;
  me: Me;
  /** A GraphQL request with the key; an UNAUTHENTICATED answer signs out before it rejects. */
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  socket: Client;
  signOut(message?: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

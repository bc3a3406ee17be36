// The close codes the API's WebSocket endpoint uses, beside graphql-ws's own protocol codes (4400 bad
// request, 4408 connection_init timeout, 4409 duplicate subscription id, 4429 second connection_init,
// 4500 server error). A client can tell from the code alone what to do next.
export const CloseCode = {
  /** connection_init carried no key, or one that is unknown or revoked: get a valid key. Do not retry. */
  Unauthorized: 4401,
  /** The socket's key was revoked (or its account removed) while it was open: its operations stopped. */
  KeyRevoked: 4403,
  /** Staff suspended the key's account while the socket was open (or before): contact support. */
  AccountSuspended: 4423,
  /** No operation in flight and none started for KINEMA_WS_IDLE_TIMEOUT_MS: reconnect when needed. */
  Idle: 4410,
  /** Too many sockets for this account or this remote address (the reason says which): close one first. */
  TooManyConnections: 4430,
} as const;

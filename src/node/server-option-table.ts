// Every option of node's tls.createServer() and net.createServer(), and the http.createServer()
// ones https.createServer() takes (Node 20 and 24), with what tlskit's Server and HttpsServer do
// with it: honoured (as node does) or refused (a TypeError naming the option and what to do
// instead). The options shared with tls.createSecureContext() (key, cert, ca, ciphers, ecdhCurve,
// secureOptions, honorCipherOrder, dhparam, sessionIdContext, the engine options...) are the
// secure-context table's (src/node/option-table.ts), listed here as 'secure-context'. Read by
// server.ts and https.ts, and by test/node/server-options-table.test.ts, which observes each
// honoured option's effect and each refusal. Keys node does not know are ignored, as node does.

import { UnsupportedOptionError } from './option-table.js';

export type ServerOptionScope = 'tls.createServer' | 'net.createServer' | 'https.createServer';

export interface ServerOptionEntry {
  readonly scope: ServerOptionScope;
  /**
   * honoured: as node. refused: a TypeError. external-psk: TLS 1.3 external PSKs, implemented by
   * that feature's module, not decided here. secure-context: shared with createSecureContext(),
   * decided by its table.
   */
  readonly status: 'honoured' | 'refused' | 'external-psk' | 'secure-context';
  /** Honoured: how. Refused: why, and what to do instead (the error says it). */
  readonly note: string;
  /** Refused (or honoured only for some values): whether this value is refused. */
  readonly refuses?: (value: unknown) => boolean;
}

const absent = (v: unknown): boolean => v === undefined || v === null || v === false;
const present = (v: unknown): boolean => !absent(v);
const ENGINES = 'OpenSSL engines are not available: pass the key as key, or sign with a remote key through the signer option';
const SECURE_CONTEXT = 'shared with tls.createSecureContext(): see its table';

export const SERVER_OPTION_TABLE: Readonly<Record<string, ServerOptionEntry>> = {
  // tls.createServer()
  ALPNProtocols: {
    scope: 'tls.createServer',
    status: 'honoured',
    note: 'our preference order; a client offering none of them is refused with no_application_protocol (RFC 7301 §3.2)',
  },
  ALPNCallback: {
    scope: 'tls.createServer',
    status: 'honoured',
    note: 'called with { servername, protocols } when the client offers ALPN; returns the protocol, or undefined to refuse with no_application_protocol; a value the client did not offer fails with ERR_TLS_ALPN_CALLBACK_INVALID_RESULT. Exclusive with ALPNProtocols (ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS), as node',
  },
  clientCertEngine: { scope: 'tls.createServer', status: 'refused', refuses: present, note: ENGINES },
  enableTrace: {
    scope: 'tls.createServer',
    status: 'refused',
    refuses: (v) => v === true,
    note: "OpenSSL's trace has no tlskit equivalent: listen to 'handshakeStart' and the socket's 'tlsEvent', or use HandshakeTracer for an annotated handshake",
  },
  handshakeTimeout: {
    scope: 'tls.createServer',
    status: 'honoured',
    note: "milliseconds (default 120000); a client that has not finished by then gets 'tlsClientError'",
  },
  rejectUnauthorized: {
    scope: 'tls.createServer',
    status: 'honoured',
    note: 'with requestCert: false keeps clients without a valid certificate, authorized false',
  },
  requestCert: {
    scope: 'tls.createServer',
    status: 'honoured',
    note: 'asks for a client certificate; authorized/authorizationError say how it verified against ca',
  },
  sessionTimeout: { scope: 'tls.createServer', status: 'honoured', note: 'seconds a session or ticket may be resumed (default 300)' },
  SNICallback: {
    scope: 'tls.createServer',
    status: 'honoured',
    note: "(servername, cb) => cb(null, context): the certificate for that name; replaces addContext()'s contexts, as node",
  },
  ticketKeys: {
    scope: 'tls.createServer',
    status: 'honoured',
    note: "48 bytes, as node's; servers given the same keys resume each other's tickets (tlskit's own ticket format). Also getTicketKeys()/setTicketKeys()",
  },
  pskCallback: { scope: 'tls.createServer', status: 'external-psk', note: 'TLS 1.3 external pre-shared keys: see the PSK documentation' },
  pskIdentityHint: { scope: 'tls.createServer', status: 'external-psk', note: 'TLS 1.3 external pre-shared keys: see the PSK documentation' },
  // Also read from createServer's options by node, and shared with createSecureContext().
  secureOptions: { scope: 'tls.createServer', status: 'secure-context', note: SECURE_CONTEXT },
  sessionIdContext: { scope: 'tls.createServer', status: 'secure-context', note: SECURE_CONTEXT },
  honorCipherOrder: { scope: 'tls.createServer', status: 'secure-context', note: SECURE_CONTEXT },
  dhparam: { scope: 'tls.createServer', status: 'secure-context', note: SECURE_CONTEXT },
  ecdhCurve: { scope: 'tls.createServer', status: 'secure-context', note: SECURE_CONTEXT },
  privateKeyEngine: { scope: 'tls.createServer', status: 'refused', refuses: present, note: ENGINES },
  privateKeyIdentifier: { scope: 'tls.createServer', status: 'refused', refuses: present, note: ENGINES },

  // net.createServer()
  allowHalfOpen: {
    scope: 'net.createServer',
    status: 'honoured',
    note: "the TLSSocket stays writable after the client's close_notify or FIN, until you end() it",
  },
  pauseOnConnect: {
    scope: 'net.createServer',
    status: 'honoured',
    note: "as node:tls: the handshake runs, and the socket in 'secureConnection' is paused: no data is read until you resume() it",
  },
  noDelay: { scope: 'net.createServer', status: 'honoured', note: 'TCP_NODELAY on each accepted socket (net.Server)' },
  keepAlive: { scope: 'net.createServer', status: 'honoured', note: 'TCP keep-alive on each accepted socket (net.Server)' },
  keepAliveInitialDelay: { scope: 'net.createServer', status: 'honoured', note: 'the keep-alive delay (net.Server)' },
  highWaterMark: { scope: 'net.createServer', status: 'honoured', note: "the accepted TCP sockets' buffer sizes (net.Server) and the TLSSocket's" },
  blockList: {
    scope: 'net.createServer',
    status: 'honoured',
    note: 'connections from a blocked address are closed before the handshake (also on Node 20, whose net.Server lacks it)',
  },

  // http.createServer(), through https.createServer() (HttpsServer): http.Server's own.
  IncomingMessage: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  ServerResponse: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  requestTimeout: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  headersTimeout: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  connectionsCheckingInterval: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  insecureHTTPParser: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  joinDuplicateHeaders: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  maxHeaderSize: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  requireHostHeader: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  uniqueHeaders: { scope: 'https.createServer', status: 'honoured', note: 'http.Server' },
  rejectNonStandardBodyWrites: { scope: 'https.createServer', status: 'honoured', note: 'http.Server (Node 20.19+, 24)' },
};

/** The error for a refused option: one class for client and server options (option-table.ts). */
export const UnsupportedServerOptionError = UnsupportedOptionError;

/** Throws for the first option of `options` the table refuses with the value given. */
export function refuseUnsupportedServerOptions(options: object): void {
  const given = options as Record<string, unknown>;
  for (const [name, entry] of Object.entries(SERVER_OPTION_TABLE)) {
    if (!(name in given)) continue;
    const value = given[name];
    const refused = entry.refuses ? entry.refuses(value) : entry.status === 'refused' && present(value);
    if (refused) throw new UnsupportedServerOptionError(name, entry.note);
  }
}

/** node's error for an option of the wrong type (ERR_INVALID_ARG_TYPE). */
export function invalidServerArg(name: string, expected: string, value: unknown): TypeError {
  const received =
    value === null
      ? 'null'
      : typeof value === 'object'
        ? `an instance of ${(value as object).constructor?.name ?? 'Object'}`
        : `type ${typeof value} (${String(value)})`;
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${received}`), { code: 'ERR_INVALID_ARG_TYPE' });
}

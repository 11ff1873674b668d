// TLS sockets for runtimes that give raw TCP but no TLS a program can configure: Cloudflare
// Workers (`connect()` from cloudflare:sockets), Deno (`Deno.connect`), Bun (`Bun.connect`) and
// browsers (a WebSocket relay, ./websocket.ts). The runtime's socket is the transport; tlskit runs
// the handshake with the options node:tls knows (ca, cert/key, servername, ALPNProtocols,
// versions, rejectUnauthorized, checkServerIdentity), after a STARTTLS exchange when asked
// (PostgreSQL's SSLRequest), and the result reports `authorized`, the peer certificate and
// errors the way the Node API does. No Node built-ins.
import type { ChannelBindingType } from '../engine/channel-binding.js';
import type { ServerIdentityCheck } from '../handshake/config.js';
import { defaultProvider } from '../crypto/default-provider.js';
import { parseCertificate } from '../x509/certificate.js';
import type { Name } from '../x509/name.js';
import { AttributeShortName } from '../asn1/oids.js';
import { toHex } from '../wire/bytes.js';
import { connectStream, type ByteStreamPair, type StreamClientOptions, type TlsStream } from './streams.js';

/** What getPeerCertificate() describes, the fields node:tls has that matter here; `raw` is the DER. */
export interface WebPeerCertificate {
  readonly raw: Uint8Array;
  readonly subject: Record<string, string>;
  readonly issuer: Record<string, string>;
  /** As node:tls: 'DNS:localhost, IP Address:127.0.0.1'. */
  readonly subjectaltname?: string;
  readonly valid_from: string;
  readonly valid_to: string;
  /** Upper-case hex, as node:tls. */
  readonly serialNumber: string;
  /** SHA-256 of the DER, upper-case hex pairs joined by ':', as node:tls. */
  readonly fingerprint256: string;
}

export interface TlsSocketOptions extends Omit<StreamClientOptions, 'serverIdentity'> {
  /**
   * 'postgres': send PostgreSQL's SSLRequest first (protocol §55.2.10) and start TLS only after the
   * server's 'S'. Nothing else is spoken before the handshake otherwise.
   */
  starttls?: 'postgres';
  /**
   * As node:tls: replaces the host name check once the chain validated; an Error fails the
   * handshake (or, with rejectUnauthorized: false, only leaves the socket unauthorized).
   */
  checkServerIdentity?: (hostname: string, cert: WebPeerCertificate) => Error | undefined;
}

/** A TLS client connection over a runtime's TCP socket: plaintext streams and node:tls's facts. */
export interface TlsSocket extends ByteStreamPair {
  /** The chain validated and the identity check passed (always true unless rejectUnauthorized: false). */
  readonly authorized: boolean;
  /** Why not authorized, as node:tls names it ('UNABLE_TO_VERIFY_LEAF_SIGNATURE', ...), else null. */
  readonly authorizationError: string | null;
  /** The protocol ALPN agreed on, else false (as node:tls). */
  readonly alpnProtocol: string | false;
  /** 'TLSv1.3' or 'TLSv1.2'. */
  getProtocol(): string | null;
  /** The server's certificate, or {} when it sent none (as node:tls). */
  getPeerCertificate(): WebPeerCertificate | Record<string, never>;
  /** RFC 5929 / RFC 9266 channel binding, for SCRAM-SHA-256-PLUS; throws TlsError when unavailable. */
  getChannelBinding(type: ChannelBindingType): Uint8Array;
  /** RFC 5705 / RFC 8446 §7.5 keying material, as node:tls's exportKeyingMaterial. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array;
  /** The underlying TLS stream (engine, info). */
  readonly tls: TlsStream;
  /** close_notify, then the transport is closed. */
  close(): Promise<void>;
}

const STARTTLS_PROTOCOLS: readonly string[] = ['postgres'];

/** Starts TLS over an open transport (a Workers or Deno socket is one as it is). */
export async function startTls(transport: ByteStreamPair, options: TlsSocketOptions = {}): Promise<TlsSocket> {
  const { starttls, checkServerIdentity, ...tls } = options;
  if ('serverIdentity' in options) {
    throw new TypeError("startTls: give checkServerIdentity (hostname, certificate) instead of the engine's serverIdentity");
  }
  if (starttls !== undefined && !STARTTLS_PROTOCOLS.includes(starttls)) {
    throw new TypeError(`startTls: unknown starttls protocol '${String(starttls)}'; the one supported is 'postgres'`);
  }
  if (checkServerIdentity !== undefined && typeof checkServerIdentity !== 'function') {
    throw new TypeError('startTls: checkServerIdentity must be a function (hostname, certificate) => Error | undefined');
  }
  // Authentication is a proof: the chain alone says nothing of whom we reached, so a name to check
  // is required (node:tls would check 'localhost'; guessing one here would be silent). An empty
  // servername would drop the check in the engine (it means no SNI and no name there): refused.
  if (tls.servername === '') {
    throw new TypeError("startTls: servername '' would check no host name; leave it out to check `host` (an IP address host sends no SNI)");
  }
  if ((tls.servername ?? tls.host ?? '') === '' && checkServerIdentity === undefined) {
    throw new TypeError(
      "startTls: give `host` or `servername`, the name the server's certificate must hold (or checkServerIdentity, to check the certificate yourself)",
    );
  }
  const provider = tls.provider ?? defaultProvider();
  if (starttls === 'postgres') await postgresSslRequest(transport, tls.signal);
  const serverIdentity: ServerIdentityCheck | undefined = checkServerIdentity
    ? (name, chain) =>
        checkServerIdentity(
          name,
          describePeerCertificate(chain[0]!, (d) => provider.hash('sha256', d)),
        )
    : undefined;
  const stream = await connectStream(transport, { ...tls, provider, ...(serverIdentity ? { serverIdentity } : {}) });
  return new WebTlsSocket(stream, (d) => provider.hash('sha256', d));
}

/** Where to connect, for connectTls(). */
export interface TlsConnectTarget {
  readonly host: string;
  readonly port: number;
  /**
   * How to open TCP. Workers: cloudflare:sockets' `connect` (pass it: a module cannot import it
   * everywhere). Default: Deno.connect on Deno, Bun.connect on Bun; elsewhere this is required.
   */
  readonly connect?: (address: { hostname: string; port: number }) => ByteStreamPair & { opened?: Promise<unknown> };
}

/**
 * Opens TCP with the runtime's API and starts TLS over it: `host` is also the name checked in the
 * certificate and sent as SNI (unless an IP address) unless `servername` says otherwise.
 */
export async function connectTls(target: TlsConnectTarget & TlsSocketOptions): Promise<TlsSocket> {
  const { host, port, connect, ...options } = target;
  if (typeof host !== 'string' || host === '') throw new TypeError('connectTls: `host` is required');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new TypeError(`connectTls: \`port\` must be a TCP port, not ${String(port)}`);
  const transport = await openTcp(host, port, connect);
  try {
    return await startTls(transport, { host, ...options });
  } catch (err) {
    await transport.writable.abort(err).catch(() => undefined);
    await transport.readable.cancel(err).catch(() => undefined);
    throw err;
  }
}

interface RuntimeGlobals {
  Deno?: { connect(options: { hostname: string; port: number; transport?: 'tcp' }): Promise<ByteStreamPair> };
  Bun?: { connect: BunConnect };
}

async function openTcp(hostname: string, port: number, connect: TlsConnectTarget['connect']): Promise<ByteStreamPair> {
  if (connect) {
    const socket = connect({ hostname, port });
    if (socket.opened) await socket.opened;
    return socket;
  }
  const g = globalThis as RuntimeGlobals;
  if (g.Deno?.connect) return g.Deno.connect({ hostname, port, transport: 'tcp' });
  if (g.Bun?.connect) return bunTransport({ hostname, port });
  throw new TypeError(
    "connectTls: this runtime has no TCP API we know: pass `connect` (in Workers, cloudflare:sockets' connect), or open the socket yourself and call startTls()",
  );
}

// ---- PostgreSQL STARTTLS ----

/** PostgreSQL protocol §55.2.10: Int32 length 8, Int32 80877103. */
const SSL_REQUEST = Uint8Array.of(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f);
const SSL_ACCEPTED = 0x53; // 'S'
const SSL_REFUSED = 0x4e; // 'N'

/**
 * Sends the SSLRequest and reads the one-byte answer. Bytes after 'S' came before the handshake,
 * unprotected: a man in the middle could have put them there (CVE-2021-23222), so they are refused.
 */
export async function postgresSslRequest(transport: ByteStreamPair, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const writer = transport.writable.getWriter();
  const reader = transport.readable.getReader();
  // The handshake's AbortSignal covers this wait too: a server that never answers must not hang us.
  let onAbort: (() => void) | undefined;
  const aborted = signal
    ? new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      })
    : undefined;
  const read = (): ReturnType<typeof reader.read> => (aborted ? Promise.race([reader.read(), aborted]) : reader.read());
  try {
    await (aborted ? Promise.race([writer.write(SSL_REQUEST), aborted]) : writer.write(SSL_REQUEST));
    let answer: Uint8Array | undefined;
    while (!answer || answer.length === 0) {
      const { value, done } = await read();
      if (done) throw new StartTlsRefused('postgres: the server closed the connection instead of answering the SSLRequest');
      answer = value;
    }
    if (answer[0] === SSL_REFUSED) throw new StartTlsRefused('postgres: the server does not accept TLS (it answered the SSLRequest with N)');
    if (answer[0] !== SSL_ACCEPTED)
      throw new StartTlsRefused(`postgres: the server answered the SSLRequest with 0x${answer[0]!.toString(16).padStart(2, '0')}, not S (not PostgreSQL?)`);
    if (answer.length > 1)
      throw new StartTlsRefused('postgres: the server sent data after S, before the TLS handshake (refused: it could come from anyone on the path)');
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
    writer.releaseLock();
  }
}

/** The server refused STARTTLS, or answered what a server of that protocol would not. */
export class StartTlsRefused extends Error {
  override readonly name = 'StartTlsRefused';
  readonly code = 'ERR_STARTTLS_REFUSED';
}

// ---- Bun ----

interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  terminate?(): void;
  /** Stop and restart data() callbacks (Bun ≥ 1.1): how a full queue holds the peer back. */
  pause?(): void;
  resume?(): void;
}
type BunConnect = (options: {
  hostname: string;
  port: number;
  socket: {
    open?(s: BunSocket): void;
    data?(s: BunSocket, data: Uint8Array): void;
    drain?(s: BunSocket): void;
    close?(s: BunSocket, err?: Error): void;
    end?(s: BunSocket): void;
    error?(s: BunSocket, err: Error): void;
    connectError?(s: BunSocket, err: Error): void;
  };
}) => Promise<BunSocket>;

/** Bytes queued from a Bun socket before it is paused (the reader then pulls it empty). */
const BUN_READ_HIGH_WATER_MARK = 64 * 1024;
/**
 * Bytes that may still arrive past the mark once paused (what Bun already read from the kernel);
 * beyond that the peer is not being held back (a Bun without pause()), and the connection fails
 * rather than buffer without limit.
 */
const BUN_READ_MAX_OVERRUN = 1024 * 1024;

/**
 * Bun's callback sockets as a byte stream pair. What arrives is queued up to a mark, then the
 * socket is paused until the reader pulls; a write waits for 'drain' when Bun took part of it.
 */
export async function bunTransport(address: { hostname: string; port: number }): Promise<ByteStreamPair> {
  const bun = (globalThis as RuntimeGlobals).Bun;
  if (!bun?.connect) throw new TypeError('bunTransport: this is not Bun (Bun.connect is missing)');
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let drained: (() => void) | undefined;
  let ended = false;
  /** The socket while paused for a full queue. */
  let paused: BunSocket | undefined;
  let socket: BunSocket | undefined;
  const readable = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        const s = paused;
        paused = undefined;
        s?.resume?.();
      },
      cancel: () => socket?.end(),
    },
    { highWaterMark: BUN_READ_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
  const finish = (err?: Error): void => {
    if (ended) return;
    ended = true;
    drained?.();
    try {
      if (err) controller.error(err);
      else controller.close();
    } catch {
      // already closed
    }
  };
  const received = (s: BunSocket, data: Uint8Array): void => {
    if (ended) return;
    // Bun reuses the buffer it hands to data(): copy.
    controller.enqueue(Uint8Array.from(data));
    const room = controller.desiredSize ?? 0;
    if (room < -BUN_READ_MAX_OVERRUN) {
      finish(
        new Error(
          `bunTransport: more than ${BUN_READ_HIGH_WATER_MARK + BUN_READ_MAX_OVERRUN} bytes arrived unread${s.pause ? '' : ' (this Bun has no socket pause())'}: the connection is closed rather than buffer without limit`,
        ),
      );
      if (s.terminate) s.terminate();
      else s.end();
      return;
    }
    if (room <= 0 && !paused && s.pause) {
      paused = s;
      s.pause();
    }
  };
  socket = await bun.connect({
    hostname: address.hostname,
    port: address.port,
    socket: {
      data: received,
      drain: () => {
        const d = drained;
        drained = undefined;
        d?.();
      },
      end: () => finish(),
      close: (_s, err) => finish(err),
      error: (_s, err) => finish(err),
    },
  });
  const connected = socket;
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      let rest = chunk;
      while (rest.length > 0) {
        if (ended) throw new Error('bunTransport: the socket is closed');
        const n = connected.write(rest);
        rest = rest.subarray(Math.max(n, 0));
        if (rest.length > 0) await new Promise<void>((resolve) => (drained = resolve));
      }
    },
    close: () => connected.end(),
    abort: () => (connected.terminate ? connected.terminate() : connected.end()),
  });
  return { readable, writable };
}

// ---- the socket ----

class WebTlsSocket implements TlsSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly authorized: boolean;
  readonly authorizationError: string | null;
  readonly alpnProtocol: string | false;
  private described: WebPeerCertificate | undefined;

  constructor(
    readonly tls: TlsStream,
    private readonly sha256: (d: Uint8Array) => Uint8Array,
  ) {
    this.readable = tls.readable;
    this.writable = tls.writable;
    const info = tls.info;
    this.authorized = info.authorized;
    this.authorizationError = info.authorizationError?.code ?? null;
    this.alpnProtocol = info.alpnProtocol ?? false;
  }

  getProtocol(): string | null {
    return this.tls.info.version ?? null;
  }

  getPeerCertificate(): WebPeerCertificate | Record<string, never> {
    const leaf = this.tls.info.peerCertificates[0];
    if (!leaf) return {};
    this.described ??= describePeerCertificate(leaf, this.sha256);
    return this.described;
  }

  getChannelBinding(type: ChannelBindingType): Uint8Array {
    return this.tls.getChannelBinding(type);
  }

  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    return this.tls.connection.exportKeyingMaterial(length, label, context);
  }

  close(): Promise<void> {
    return this.tls.close();
  }
}

function nameObject(name: Name): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rdn of name.rdns) {
    for (const a of rdn) {
      // Attribute types are OIDs; node:tls names the common ones by their short names (CN, O, ...).
      const key = AttributeShortName[a.type] ?? a.type;
      out[key] = out[key] === undefined ? a.value : `${out[key]}\n${a.value}`;
    }
  }
  return out;
}

/** node:tls's date form: 'Jan  2 03:04:05 2026 GMT'. */
function opensslDate(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

/** The leaf as WebPeerCertificate; a certificate we cannot parse is described by its bytes alone. */
export function describePeerCertificate(der: Uint8Array, sha256: (d: Uint8Array) => Uint8Array): WebPeerCertificate {
  const fingerprint256 = (toHex(sha256(der)).toUpperCase().match(/../g) ?? []).join(':');
  let cert;
  try {
    cert = parseCertificate(der);
  } catch {
    // Not a certificate our strict DER reader accepts (only rejectUnauthorized: false lets one
    // through): described by its bytes alone.
    return { raw: Uint8Array.from(der), subject: {}, issuer: {}, valid_from: '', valid_to: '', serialNumber: '', fingerprint256 };
  }
  const san = cert.subjectAltNames;
  const names = [
    ...san.dns.map((n) => `DNS:${n}`),
    ...san.ip.map((n) => `IP Address:${n}`),
    ...san.email.map((n) => `email:${n}`),
    ...san.uri.map((n) => `URI:${n}`),
  ];
  return {
    raw: Uint8Array.from(der),
    subject: nameObject(cert.subject),
    issuer: nameObject(cert.issuer),
    ...(names.length > 0 ? { subjectaltname: names.join(', ') } : {}),
    valid_from: opensslDate(cert.notBefore),
    valid_to: opensslDate(cert.notAfter),
    serialNumber: cert.serialNumber.toUpperCase(),
    fingerprint256,
  };
}

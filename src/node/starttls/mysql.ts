// MySQL and MariaDB (client/server protocol, "Protocol::HandshakeV10" and "Protocol::SSLRequest"):
// the server greets first; when its capabilities include CLIENT_SSL the client answers with the
// short SSLRequest packet (sequence id 1) and starts TLS. The application then sends its full
// HandshakeResponse41 over TLS as sequence id 2.
import { MAX_MESSAGE_BYTES, StartTlsError, quote, type Conversation } from './conversation.js';

// Capability flags (the protocol's CLIENT_* constants).
const Capability = {
  longPassword: 0x1,
  longFlag: 0x4,
  protocol41: 0x200,
  ssl: 0x800,
  transactions: 0x2000,
  secureConnection: 0x8000,
  multiResults: 0x20000,
  pluginAuth: 0x80000,
} as const;
/** What we say we speak, where the server does too: what a modern client's login then needs. */
const WANTED =
  Capability.longPassword | Capability.longFlag | Capability.transactions | Capability.secureConnection | Capability.multiResults | Capability.pluginAuth;
const MAX_PACKET = 16 * 1024 * 1024;
const GREETING_V10 = 0x0a;
const ERROR_PACKET = 0xff;
/** utf8mb4_general_ci, when the greeting names no character set. */
const DEFAULT_CHARSET = 45;

export interface MySqlGreeting {
  readonly serverVersion: string;
  readonly capabilities: number;
  readonly charset: number;
}

/** The server's first packet: its greeting, or an error packet refusing us (too many connections, host not allowed). */
export function readGreeting(payload: Buffer): MySqlGreeting {
  const kind = payload[0];
  if (kind === ERROR_PACKET) {
    // ERR_Packet: 0xff, error code (2 bytes), then the message (a "#" and SQL state first in 4.1 form).
    const code = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
    const message = payload
      .subarray(3)
      .toString('utf8')
      .replace(/^#[0-9A-Z]{5}/, '');
    throw new StartTlsError(`the MySQL server refused the connection: error ${code} ${quote(message)}`);
  }
  if (kind !== GREETING_V10)
    throw new StartTlsError(`the server's greeting is not MySQL's protocol 10 (first byte 0x${(kind ?? 0).toString(16).padStart(2, '0')})`);
  const versionEnd = payload.indexOf(0, 1);
  // version, NUL, connection id (4), auth data (8), filler (1), capabilities low (2)
  if (versionEnd < 0 || payload.length < versionEnd + 1 + 4 + 8 + 1 + 2) throw new StartTlsError("the MySQL server's greeting is cut short");
  const serverVersion = payload.subarray(1, versionEnd).toString('latin1');
  let at = versionEnd + 1 + 4 + 8 + 1;
  let capabilities = payload.readUInt16LE(at);
  at += 2;
  let charset = DEFAULT_CHARSET;
  // charset (1), status (2), capabilities high (2), when the greeting goes on.
  if (payload.length >= at + 5) {
    charset = payload[at]!;
    capabilities |= payload.readUInt16LE(at + 3) << 16;
  }
  return { serverVersion, capabilities: capabilities >>> 0, charset };
}

/** Protocol::SSLRequest: capabilities (4), max packet size (4), character set (1), 23 zero bytes. */
export function writeSslRequest(greeting: MySqlGreeting): Uint8Array {
  const payload = Buffer.alloc(32);
  payload.writeUInt32LE(((greeting.capabilities & WANTED) | Capability.protocol41 | Capability.ssl) >>> 0, 0);
  payload.writeUInt32LE(MAX_PACKET, 4);
  payload[8] = greeting.charset;
  // Packet header: payload length (3 bytes, little-endian) and sequence id 1 (the greeting was 0).
  return Buffer.concat([Uint8Array.of(payload.length, 0, 0, 1), payload]);
}

export function mysql(): Conversation {
  return {
    start: () => undefined,
    next(buffered) {
      if (buffered.length < 4) return { kind: 'need-more' };
      const length = buffered.readUIntLE(0, 3);
      if (length > MAX_MESSAGE_BYTES) throw new StartTlsError(`the server's first packet is ${length} bytes long: not a MySQL greeting`);
      if (buffered.length < 4 + length) return { kind: 'need-more' };
      const greeting = readGreeting(buffered.subarray(4, 4 + length));
      const seen = `greeting: server ${greeting.serverVersion}, capabilities 0x${greeting.capabilities.toString(16)}`;
      if (!(greeting.capabilities & Capability.protocol41))
        throw new StartTlsError(`the MySQL server ${quote(greeting.serverVersion)} speaks a protocol older than 4.1`);
      if (!(greeting.capabilities & Capability.ssl))
        throw new StartTlsError(
          `the MySQL server ${quote(greeting.serverVersion)} does not offer TLS (no CLIENT_SSL in its greeting: it has no certificate configured)`,
        );
      // No answer comes: TLS starts right after the SSLRequest.
      return { kind: 'done', consumed: 4 + length, received: [seen], bytes: writeSslRequest(greeting), text: 'SSLRequest (sequence id 1)' };
    },
  };
}

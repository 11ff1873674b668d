// What every STARTTLS protocol shares: the step a conversation takes given the bytes read so far,
// the error it throws when the server will not start TLS, and the bounds on what it reads.

/** Something in the plaintext exchange that keeps TLS from starting, in plain words. */
export class StartTlsError extends Error {
  override readonly name = 'StartTlsError';
}

/** Everything the server may send before its go-ahead, all lines and messages together. */
export const MAX_PREAMBLE_BYTES = 64 * 1024;
/**
 * One line of a line-based protocol. RFC 5321 §4.5.3.1.5 and RFC 3977 §3.1 allow 512 bytes; IMAP
 * capability lists run longer (RFC 7162 §4 suggests servers accept 8192), so 8192 for all.
 */
export const MAX_LINE_BYTES = 8192;
/** One binary message (an LDAP response, MySQL's greeting packet): a few hundred bytes in practice. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

export type Step =
  | { kind: 'need-more' }
  /** Read and shown, nothing to say yet (FTP's 120 "ready in a while"). */
  | { kind: 'read'; consumed: number; received: string[] }
  | { kind: 'send'; consumed: number; received: string[]; bytes: Uint8Array | string; text: string }
  /** TLS starts now; `bytes` are said first when TLS starts without an answer (MySQL). */
  | { kind: 'done'; consumed: number; received: string[]; bytes?: Uint8Array; text?: string };

export interface Conversation {
  /** What the client says first, if it speaks first. */
  start(): { bytes: Uint8Array | string; text: string } | undefined;
  /** Given the unread bytes, the next move; throws StartTlsError when TLS will not start. */
  next(buffered: Buffer): Step;
}

/** The server's words for an error message: quoted, cut short, control characters escaped. */
export function quote(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex
  return `"${cut.replace(/[\x00-\x1f\x7f-\x9f"\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
}

// RFC 8446 §5.1 / RFC 5246 §6.2: splits the incoming byte stream into records. A record that lies
// inside one received chunk is returned as a view (no copy); one spanning chunks is joined once.
import { TlsError } from '../errors.js';
import { ContentType } from '../protocol/constants.js';
import { MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from '../protocol/limits.js';

export interface RawRecord {
  readonly type: number;
  readonly version: number;
  /** The 5-byte header followed by the fragment, as received. */
  readonly bytes: Uint8Array;
  readonly fragment: Uint8Array;
}

export class RecordReader {
  private chunks: Uint8Array[] = [];
  /** Offset into chunks[0] of the first unread byte. */
  private head = 0;
  private buffered = 0;
  /** A whole record was read: the peer speaks TLS, or at least began as if it did. */
  private seenRecord = false;

  /** Bytes received and not yet returned as records. */
  get bufferedLength(): number {
    return this.buffered;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.buffered += data.length;
  }

  private byteAt(i: number): number {
    let index = this.head + i;
    for (const c of this.chunks) {
      if (index < c.length) return c[index]!;
      index -= c.length;
    }
    throw new RangeError('byteAt beyond buffered data');
  }

  /**
   * The next complete record, or undefined if more bytes are needed. `maxFragment` is the largest
   * fragment the current read state allows; a longer one is record_overflow.
   */
  next(maxFragment: number): RawRecord | undefined {
    if (this.buffered < RECORD_HEADER_LENGTH) return undefined;
    const type = this.byteAt(0);
    const version = (this.byteAt(1) << 8) | this.byteAt(2);
    const length = (this.byteAt(3) << 8) | this.byteAt(4);
    checkHeader(type, version, () => this.headerText(), !this.seenRecord);
    // RFC 8446 §5.1, §5.2: records above the limit end the connection with record_overflow, as
    // soon as the header says so (never waiting for the bytes announced).
    if (length > maxFragment) {
      // node (OpenSSL) names an oversized plaintext record ERR_SSL_PACKET_LENGTH_TOO_LONG.
      const code = maxFragment === MAX_PLAINTEXT ? { code: 'ERR_SSL_PACKET_LENGTH_TOO_LONG' } : undefined;
      throw new TlsError('record_overflow', `peer sent a record of ${length} bytes, more than the ${maxFragment} allowed`, code);
    }
    const total = RECORD_HEADER_LENGTH + length;
    if (this.buffered < total) return undefined;
    const bytes = this.take(total);
    this.seenRecord = true;
    return { type, version, bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH) };
  }

  /** The first bytes buffered, as latin1 text (to recognise a plain-text protocol). */
  private headerText(): string {
    let text = '';
    for (let i = 0; i < Math.min(this.buffered, HTTP_VERB_BYTES); i++) text += String.fromCharCode(this.byteAt(i));
    return text;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    this.buffered -= n;
    if (first.length - this.head >= n) {
      const view = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return view;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const count = Math.min(c.length - this.head, n - at);
      out.set(c.subarray(this.head, this.head + count), at);
      at += count;
      this.head += count;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }

  /** Drops everything buffered (after a fatal error or when handing the stream back). */
  clear(): Uint8Array[] {
    const rest = this.chunks.map((c, i) => (i === 0 ? c.subarray(this.head) : c));
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    return rest;
  }
}

/** Printable ASCII or line ends: the start of a text protocol's line, never a TLS record header. */
function isText(s: string): boolean {
  return /^[\x20-\x7e\r\n\t]+$/.test(s);
}

/** Enough bytes to tell an HTTP request line ('CONNE' tells a CONNECT, as OpenSSL reads it). */
const HTTP_VERB_BYTES = 8;

/**
 * A header that cannot start a TLS record: TLS 1.3/1.2 records have a known content type and a
 * 3.x version. The usual cause is a plain-text protocol spoken to a TLS port; errors carry the
 * code node (OpenSSL) gives the same input: ERR_SSL_HTTP_REQUEST for an HTTP request,
 * ERR_SSL_HTTPS_PROXY_REQUEST for an HTTP CONNECT, ERR_SSL_WRONG_VERSION_NUMBER for other text.
 * As the first record (`first`), such text means the peer is not speaking TLS: no alert goes to it
 * (TlsError's peerNotTls), as OpenSSL sends none.
 */
function checkHeader(type: number, version: number, headerText: () => string, first: boolean): void {
  if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
    const text = headerText();
    const code = /^(GET|POST|HEAD|PUT) /.test(text)
      ? 'ERR_SSL_HTTP_REQUEST'
      : text.startsWith('CONNE')
        ? 'ERR_SSL_HTTPS_PROXY_REQUEST'
        : version >> 8 !== 0x03
          ? 'ERR_SSL_WRONG_VERSION_NUMBER'
          : undefined;
    // OpenSSL reads a 3.x version with an unknown type as TLS gone wrong (an alert), anything else
    // (text, SSL 2) as no TLS at all.
    const options = { ...(code ? { code } : {}), peerNotTls: first && code !== undefined };
    // A plain-text protocol spoken to a TLS port is the usual cause: say so, with the text (an
    // HTTP request, an SMTP "220" greeting, IMAP's "* OK", POP3's "+OK"). Either side may meet it.
    if (isText(text.slice(0, 3)) && text.length >= 3) {
      const shown = text.replace(/[^\x20-\x7e]/g, '.');
      const http = code === 'ERR_SSL_HTTP_REQUEST' || code === 'ERR_SSL_HTTPS_PROXY_REQUEST';
      throw new TlsError('unexpected_message', `peer sent plain text, not TLS ("${shown}")${http ? ': an HTTP client?' : ''}`, options);
    }
    // RFC 8446 §5: an unknown record type is unexpected_message.
    throw new TlsError('unexpected_message', `peer sent a record of unknown content type ${type}`, options);
  }
  // RFC 8446 §5.1: legacy_record_version is otherwise ignored, but anything not 3.x is not TLS.
  if (version >> 8 !== 0x03) {
    throw new TlsError('protocol_version', `peer sent a record with version 0x${version.toString(16)}, which is not TLS`, {
      code: 'ERR_SSL_WRONG_VERSION_NUMBER',
      peerNotTls: first,
    });
  }
}

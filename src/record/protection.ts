// Record protection for one direction: null (plaintext), TLS 1.3 AEAD (RFC 8446 §5.2-5.3), and
// TLS 1.2 AEAD (RFC 5246 §6.2.3.3 with RFC 5288 GCM nonces and RFC 7905 ChaCha20 nonces).
// This is the hot path: one AEAD call per record, the header doubles as AAD, no copies of the payload.
import { TlsError } from '../errors.js';
import type { Aead } from '../crypto/provider.js';
import { ContentType, ProtocolVersion } from '../protocol/constants.js';
import { MAX_CIPHERTEXT_12, MAX_CIPHERTEXT_13, MAX_INNER_PLAINTEXT_13, MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from '../protocol/limits.js';
import type { RawRecord } from './record-reader.js';

export const AEAD_TAG_LENGTH = 16;

export interface OpenedRecord {
  readonly type: number;
  readonly data: Uint8Array;
  /** TLS 1.3: the length of the whole TLSInnerPlaintext (content, type byte and padding). */
  readonly innerLength?: number;
}

export interface RecordProtection {
  /** 'plaintext' until keys are installed. */
  readonly kind: 'plaintext' | 'tls13' | 'tls12';
  /** Records protected or opened under this key so far. */
  readonly sequence: number;
  /** Largest fragment a received record may have in this state. */
  readonly maxFragment: number;
  /** Protects one record (payload ≤ 2^14) and pushes its wire chunks onto `out`. */
  seal(type: number, payload: Uint8Array, out: Uint8Array[], padding?: number): void;
  open(record: RawRecord): OpenedRecord;
  /** Overwrites the key material this protection holds (best effort); it cannot be used afterwards. */
  wipe?(): void;
}

function wipedKeys(): TlsError {
  return new TlsError('internal_error', 'record protection used after its keys were wiped');
}

function header(type: number, length: number): Uint8Array {
  const h = new Uint8Array(RECORD_HEADER_LENGTH);
  h[0] = type;
  h[1] = 0x03;
  h[2] = 0x03; // RFC 8446 §5.1: legacy_record_version 0x0303 (the first ClientHello may use 0x0301)
  h[3] = length >>> 8;
  h[4] = length;
  return h;
}

export class PlaintextProtection implements RecordProtection {
  readonly kind = 'plaintext';
  readonly sequence = 0;
  readonly maxFragment = MAX_PLAINTEXT; // RFC 8446 §5.1
  /** Record version of what we send: 0x0301 for a first ClientHello, for old middleboxes (RFC 8446 §5.1). */
  constructor(private readonly recordVersion: number = ProtocolVersion.TLSv1_2) {}

  seal(type: number, payload: Uint8Array, out: Uint8Array[]): void {
    const h = header(type, payload.length);
    h[2] = this.recordVersion & 0xff;
    out.push(h, payload);
  }

  open(record: RawRecord): OpenedRecord {
    return { type: record.type, data: record.fragment };
  }
}

/** Writes (iv XOR sequence) into `nonce`: the per-record nonce of RFC 8446 §5.3 and RFC 7905 §2. */
function xorNonce(nonce: Uint8Array, iv: Uint8Array, sequence: number): void {
  nonce.set(iv);
  const hi = Math.floor(sequence / 0x100000000);
  const lo = sequence >>> 0;
  const n = nonce.length;
  nonce[n - 8]! ^= hi >>> 24;
  nonce[n - 7]! ^= hi >>> 16;
  nonce[n - 6]! ^= hi >>> 8;
  nonce[n - 5]! ^= hi;
  nonce[n - 4]! ^= lo >>> 24;
  nonce[n - 3]! ^= lo >>> 16;
  nonce[n - 2]! ^= lo >>> 8;
  nonce[n - 1]! ^= lo;
}

function writeSequence(buf: Uint8Array, at: number, sequence: number): void {
  const hi = Math.floor(sequence / 0x100000000);
  const lo = sequence >>> 0;
  buf[at] = hi >>> 24;
  buf[at + 1] = hi >>> 16;
  buf[at + 2] = hi >>> 8;
  buf[at + 3] = hi;
  buf[at + 4] = lo >>> 24;
  buf[at + 5] = lo >>> 16;
  buf[at + 6] = lo >>> 8;
  buf[at + 7] = lo;
}

const innerTypes: Uint8Array[] = [];
for (let t = 0; t < 256; t++) innerTypes.push(Uint8Array.of(t));

function badRecordMac(): TlsError {
  // RFC 8446 §5.2: a record that fails to deprotect ends the connection with bad_record_mac.
  return new TlsError('bad_record_mac', 'a record failed authentication (corrupted, tampered with, or wrong keys)');
}

export class Tls13Protection implements RecordProtection {
  readonly kind = 'tls13';
  readonly maxFragment = MAX_CIPHERTEXT_13; // RFC 8446 §5.2
  private seq = 0;
  private readonly nonce = new Uint8Array(12);
  private wiped = false;

  constructor(
    private readonly aead: Aead,
    private readonly iv: Uint8Array,
  ) {}

  get sequence(): number {
    return this.seq;
  }

  wipe(): void {
    this.wiped = true;
    this.aead.wipe?.();
    this.iv.fill(0);
    this.nonce.fill(0);
  }

  // RFC 8446 §5.2: TLSInnerPlaintext = content || ContentType || zeros; outer type is always
  // application_data; the AAD is the record header.
  seal(type: number, payload: Uint8Array, out: Uint8Array[], padding = 0): void {
    if (this.wiped) throw wipedKeys();
    const h = header(ContentType.application_data, payload.length + 1 + padding + AEAD_TAG_LENGTH);
    xorNonce(this.nonce, this.iv, this.seq++);
    out.push(h);
    const parts = padding > 0 ? [payload, innerTypes[type]!, new Uint8Array(padding)] : [payload, innerTypes[type]!];
    this.aead.seal(this.nonce, h, parts, out);
  }

  /**
   * Opens a record if it authenticates; otherwise returns undefined and leaves the sequence number
   * as it was (for skipping rejected 0-RTT records, RFC 8446 §4.2.10).
   */
  tryOpen(record: RawRecord): OpenedRecord | undefined {
    const before = this.seq;
    try {
      return this.open(record);
    } catch (err) {
      if (err instanceof TlsError && err.alert === 'bad_record_mac') {
        this.seq = before;
        return undefined;
      }
      throw err;
    }
  }

  open(record: RawRecord): OpenedRecord {
    if (this.wiped) throw wipedKeys();
    const fragment = record.fragment;
    if (fragment.length < AEAD_TAG_LENGTH + 1) throw badRecordMac();
    xorNonce(this.nonce, this.iv, this.seq++);
    const split = fragment.length - AEAD_TAG_LENGTH;
    const plain = this.aead.open(this.nonce, record.bytes.subarray(0, RECORD_HEADER_LENGTH), fragment.subarray(0, split), fragment.subarray(split));
    if (plain === null) throw badRecordMac();
    // RFC 8446 §5.4: the whole inner plaintext (content, type byte and padding) is at most 2^14 + 1
    // bytes; padding does not buy room beyond that.
    if (plain.length > MAX_INNER_PLAINTEXT_13) {
      throw new TlsError(
        'record_overflow',
        `peer sent a record with an inner plaintext of ${plain.length} bytes, more than the ${MAX_INNER_PLAINTEXT_13} allowed`,
      );
    }
    // The content type is the last non-zero byte; all zeros is unexpected_message (RFC 8446 §5.4).
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw new TlsError('unexpected_message', 'peer sent a protected record with no content type');
    return { type: plain[end]!, data: plain.subarray(0, end), innerLength: plain.length };
  }
}

export class Tls12Protection implements RecordProtection {
  readonly kind = 'tls12';
  readonly maxFragment = MAX_CIPHERTEXT_12; // RFC 5246 §6.2.3
  private seq = 0;
  private readonly nonce = new Uint8Array(12);
  private readonly aad = new Uint8Array(13);
  /** GCM (RFC 5288 §3): 8 explicit nonce bytes precede each ciphertext. ChaCha20 (RFC 7905): none. */
  private readonly explicitNonceLength: number;
  private wiped = false;

  constructor(
    private readonly aead: Aead,
    private readonly iv: Uint8Array,
  ) {
    this.explicitNonceLength = aead.name === 'chacha20-poly1305' ? 0 : 8;
  }

  get sequence(): number {
    return this.seq;
  }

  wipe(): void {
    this.wiped = true;
    this.aead.wipe?.();
    this.iv.fill(0);
    this.nonce.fill(0);
  }

  // RFC 5246 §6.2.3.3: additional_data = seq_num || type || version || length (of the plaintext).
  private setAad(type: number, length: number): void {
    writeSequence(this.aad, 0, this.seq);
    this.aad[8] = type;
    this.aad[9] = 0x03;
    this.aad[10] = 0x03;
    this.aad[11] = length >>> 8;
    this.aad[12] = length;
  }

  private setNonce(explicit: Uint8Array | undefined): void {
    if (this.explicitNonceLength === 0) {
      xorNonce(this.nonce, this.iv, this.seq);
    } else {
      this.nonce.set(this.iv); // 4-byte salt
      if (explicit) this.nonce.set(explicit, 4);
      else writeSequence(this.nonce, 4, this.seq); // the sequence number is a safe unique explicit nonce
    }
  }

  seal(type: number, payload: Uint8Array, out: Uint8Array[]): void {
    if (this.wiped) throw wipedKeys();
    const h = header(type, this.explicitNonceLength + payload.length + AEAD_TAG_LENGTH);
    this.setAad(type, payload.length);
    this.setNonce(undefined);
    this.seq++;
    out.push(h);
    if (this.explicitNonceLength > 0) out.push(this.nonce.slice(4));
    this.aead.seal(this.nonce, this.aad, [payload], out);
  }

  open(record: RawRecord): OpenedRecord {
    if (this.wiped) throw wipedKeys();
    const fragment = record.fragment;
    const overhead = this.explicitNonceLength + AEAD_TAG_LENGTH;
    if (fragment.length < overhead) throw badRecordMac();
    const plainLength = fragment.length - overhead;
    // RFC 5246 §6.2.3: TLSCompressed.length (= plaintext here) must not exceed 2^14.
    if (plainLength > MAX_PLAINTEXT) throw new TlsError('record_overflow', `peer sent a record with ${plainLength} bytes of plaintext`);
    this.setAad(record.type, plainLength);
    this.setNonce(this.explicitNonceLength > 0 ? fragment.subarray(0, 8) : undefined);
    this.seq++;
    const split = fragment.length - AEAD_TAG_LENGTH;
    const plain = this.aead.open(this.nonce, this.aad, fragment.subarray(this.explicitNonceLength, split), fragment.subarray(split));
    if (plain === null) throw badRecordMac();
    return { type: record.type, data: plain };
  }
}

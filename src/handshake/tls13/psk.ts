// PSKs in TLS 1.3 (RFC 8446 §4.2.11, §4.6.1): binders, for resumption tickets and for external
// PSKs, and ticket ages.
import { decryptError } from '../../errors.js';
import { hashLength, type CryptoProvider, type HashName } from '../../crypto/provider.js';
import type { Secret } from '../../crypto/secret.js';
import { computeFinished, verifyFinished, EarlySecret } from '../key-schedule.js';
import type { Transcript } from '../transcript.js';

/**
 * RFC 8446 §4.2.11.2: the binder is a Finished-style MAC under the binder key, over the truncated
 * ClientHello; `external` picks the "ext binder" key (an external PSK) over "res binder" (a ticket),
 * so that neither kind of PSK can be passed off as the other.
 */
export function computeBinder(p: CryptoProvider, hash: HashName, psk: Secret, transcriptHash: Uint8Array, external = false): Uint8Array {
  const binderKey = new EarlySecret(p, hash, psk).binderKey(external);
  const binder = computeFinished(p, hash, binderKey, transcriptHash);
  binderKey.wipe();
  return binder;
}

export function checkBinder(p: CryptoProvider, hash: HashName, psk: Secret, transcriptHash: Uint8Array, binder: Uint8Array, external = false): void {
  const binderKey = new EarlySecret(p, hash, psk).binderKey(external);
  const ok = binder.length === hashLength[hash] && verifyFinished(p, hash, binderKey, transcriptHash, binder);
  binderKey.wipe();
  // RFC 8446 §4.2.11: a binder that does not validate aborts the handshake.
  if (!ok) {
    throw decryptError(
      external
        ? 'the PSK binder in client_hello does not verify: the client holds a different key for this identity (or the hello was tampered with)'
        : 'the PSK binder in client_hello does not verify (tampered with, or not made with this ticket)',
    );
  }
}

/**
 * The ClientHello up to (not including) the binders list, hashed after what the transcript holds:
 * the binder input (RFC 8446 §4.2.11.2).
 */
export function binderTranscriptHash(transcript: Transcript, helloRaw: Uint8Array, bindersLength: number, hash: HashName): Uint8Array {
  return transcript.hashWith(helloRaw.subarray(0, helloRaw.length - bindersLength), hash);
}

/** RFC 8446 §4.2.11.1: the obfuscated age is the ticket's age in milliseconds plus ticket_age_add, mod 2^32. */
export function obfuscatedTicketAge(ageMs: number, ageAdd: number): number {
  return (Math.max(0, Math.floor(ageMs)) + ageAdd) >>> 0;
}

export function ticketAgeFrom(obfuscated: number, ageAdd: number): number {
  return (obfuscated - ageAdd) >>> 0;
}

// RFC 8446 §4.2.11: pre_shared_key, and §4.2.9 psk_key_exchange_modes, §4.2.10 early_data.
import { illegalParameter } from '../../errors.js';
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
  /** Length of the binders list (with its 2-byte prefix): the tail cut for the binder transcript. */
  readonly bindersLength: number;
}

// struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
export function readOfferedPsks(r: Reader): OfferedPsks {
  const idList = r.vector(2, 7, 0xffff, 'identities');
  const identities: PskIdentity[] = [];
  while (idList.remaining > 0) {
    const identity = idList.vectorBytes(2, 1, 0xffff, 'identity');
    identities.push({ identity, obfuscatedTicketAge: idList.u32('obfuscated_ticket_age') });
  }
  const before = r.remaining;
  const binderList = r.vector(2, 33, 0xffff, 'binders');
  const binders: Uint8Array[] = [];
  while (binderList.remaining > 0) binders.push(binderList.vectorBytes(1, 32, 255, 'binder'));
  // RFC 8446 §4.2.11: one binder per identity. No alert is named for a mismatch, which breaks no
  // length rule: illegal_parameter, as BoringSSL and Go send (BoGo Resume-Server-ExtraPSKBinder).
  if (binders.length !== identities.length) throw illegalParameter('pre_shared_key has a different number of binders and identities');
  return { identities, binders, bindersLength: before - r.remaining };
}

export function writeOfferedPsks(w: Writer, identities: readonly PskIdentity[], binders: readonly Uint8Array[]): void {
  w.vector(2, (l) => identities.forEach((id) => l.vectorBytes(2, id.identity).u32(id.obfuscatedTicketAge)));
  w.vector(2, (l) => binders.forEach((b) => l.vectorBytes(1, b)));
}

/** Size of the binders list for binders of the given lengths, with its 2-byte prefix. */
export function bindersListLength(binderLengths: readonly number[]): number {
  return 2 + binderLengths.reduce((n, len) => n + 1 + len, 0);
}

// ServerHello: uint16 selected_identity.
export function readSelectedIdentity(r: Reader): number {
  return r.u16('selected_identity');
}

// RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255>.
export function readPskModes(r: Reader): number[] {
  const list = r.vector(1, 1, 255, 'ke_modes');
  const modes: number[] = [];
  while (list.remaining > 0) modes.push(list.u8('ke_mode'));
  return modes;
}

export function writePskModes(w: Writer, modes: readonly number[]): void {
  w.vector(1, (l) => modes.forEach((m) => l.u8(m)));
}

// RFC 8446 §4.2.10: in NewSessionTicket, uint32 max_early_data_size.
export function readMaxEarlyDataSize(r: Reader): number {
  return r.u32('max_early_data_size');
}

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidSniHostName, readServerNameClient, writeServerNameClient } from './server-name.js';
import { encode } from '../../wire/writer.js';
import { concat } from '../../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, decodeAll, vec } from '../../../test/helpers/codec.js';

const entry = (type: number, name: string | Uint8Array) => concat(Uint8Array.of(type), vec(2, typeof name === 'string' ? Buffer.from(name, 'latin1') : name));

describe('server_name', () => {
  test('round trip, lowercased', () => {
    assert.equal(
      decodeAll(
        encode((w) => writeServerNameClient(w, 'WWW.Example.org')),
        readServerNameClient,
      ),
      'www.example.org',
    );
  });

  test('every strict prefix fails', () => {
    assertEveryStrictPrefixFails(
      encode((w) => writeServerNameClient(w, 'a.example')),
      (b) => decodeAll(b, readServerNameClient),
    );
  });

  test('bounds: an empty list fails; an empty host name fails', () => {
    assertDecodeError(() => decodeAll(vec(2, []), readServerNameClient), /server_name_list length 0 outside 1\.\.65535/);
    assertDecodeError(() => decodeAll(vec(2, entry(0, '')), readServerNameClient), /host_name length 0 outside 1\.\.65535/);
  });

  test('unknown name types are skipped; two host names are illegal_parameter', () => {
    assert.equal(decodeAll(vec(2, entry(7, 'whatever')), readServerNameClient), undefined);
    assert.equal(decodeAll(vec(2, concat(entry(7, 'x'), entry(0, 'a.b'))), readServerNameClient), 'a.b');
    assertIllegalParameter(() => decodeAll(vec(2, concat(entry(0, 'a.b'), entry(0, 'c.d'))), readServerNameClient), /two host names/);
  });

  test('names that are not DNS names (IP literals, trailing dots, bytes outside ASCII, NUL): decode_error', () => {
    for (const bad of [
      '192.168.0.1',
      'example.com.',
      '::1',
      'exa mple.com',
      'a..b',
      '-a.com',
      Uint8Array.of(0x61, 0, 0x62),
      Uint8Array.of(0xc3, 0xa9),
      'a'.repeat(64) + '.com',
    ]) {
      assertDecodeError(() => decodeAll(vec(2, entry(0, bad)), readServerNameClient), /not a valid DNS name/);
    }
    assert.ok(isValidSniHostName('xn--bcher-kva.example'));
    assert.ok(isValidSniHostName(`${'a'.repeat(63)}.com`));
    assert.ok(!isValidSniHostName(`${'a.'.repeat(126)}ab`), 'over 253 characters');
  });
});

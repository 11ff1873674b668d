import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toHex } from '../wire/bytes.js';
import { normaliseDnsName, parseCidr, parseIpAddress, subjectAltNamesFor } from './names.js';

const ip = (text: string): string | null => {
  const b = parseIpAddress(text);
  return b ? toHex(b) : null;
};

describe('IP literals', () => {
  test('IPv4 dotted quads', () => {
    assert.equal(ip('127.0.0.1'), '7f000001');
    assert.equal(ip('0.0.0.0'), '00000000');
    assert.equal(ip('255.255.255.255'), 'ffffffff');
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1.2.3.4 ', '', 'a.b.c.d', '1..2.3']) assert.equal(ip(bad), null, bad);
  });

  test('IPv6 text forms (RFC 4291 §2.2)', () => {
    assert.equal(ip('::1'), '00000000000000000000000000000001');
    assert.equal(ip('::'), '00000000000000000000000000000000');
    assert.equal(ip('2001:db8::8:800:200c:417a'), '20010db80000000000080800200c417a');
    assert.equal(ip('2001:DB8:0:0:8:800:200C:417A'), '20010db80000000000080800200c417a');
    assert.equal(ip('fe80::'), 'fe800000000000000000000000000000');
    assert.equal(ip('1:2:3:4:5:6:7::'), '00010002000300040005000600070000');
    assert.equal(ip('::ffff:192.0.2.1'), '00000000000000000000ffffc0000201');
    assert.equal(ip('0:0:0:0:0:ffff:192.0.2.1'), '00000000000000000000ffffc0000201');
    for (const bad of [
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '::1:2:3:4:5:6:7:8',
      '12345::',
      'g::',
      ':1::',
      '1::2:',
      '1.2.3.4::',
      '::1.2.3',
      'fe80::1%eth0',
      '[::1]',
    ]) {
      assert.equal(ip(bad), null, bad);
    }
  });

  test('CIDR ranges become address and mask (RFC 5280 §4.2.1.10)', () => {
    assert.equal(toHex(parseCidr('10.0.0.0/8')), '0a000000ff000000');
    assert.equal(toHex(parseCidr('192.168.1.0/24')), 'c0a80100ffffff00');
    assert.equal(toHex(parseCidr('127.0.0.1/32')), '7f000001ffffffff');
    assert.equal(toHex(parseCidr('0.0.0.0/0')), '0000000000000000');
    assert.equal(toHex(parseCidr('10.0.0.0/9')), '0a000000ff800000');
    assert.equal(toHex(parseCidr('2001:db8::/32')), '20010db8000000000000000000000000' + 'ffffffff000000000000000000000000');
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.1/8', '::1/129', '10.0.0.0/', '10.0.0.0/08', 'x/8', '10.0.0.0/-1']) {
      assert.throws(() => parseCidr(bad), TypeError, bad);
    }
  });
});

describe('DNS names', () => {
  test('lower-cased, A-labels for internationalised names, wildcards as a whole left label', () => {
    assert.equal(normaliseDnsName('LocalHost'), 'localhost');
    assert.equal(normaliseDnsName('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(normaliseDnsName('*.Example.test'), '*.example.test');
    assert.equal(normaliseDnsName('_srv.example.test'), '_srv.example.test');
  });

  test('malformed names are refused', () => {
    for (const bad of [
      '',
      'a b',
      'example.test.',
      '.example',
      'a..b',
      '-a.test',
      'a-.test',
      '*.test',
      '*',
      'foo.*.test',
      'f*.test',
      '*.*.test',
      'a'.repeat(64) + '.test',
      'localhost:8080',
    ]) {
      assert.throws(() => normaliseDnsName(bad), TypeError, bad);
    }
  });
});

describe('subjectAltNamesFor', () => {
  test('sorts names into the GeneralName they belong to', () => {
    assert.deepEqual(subjectAltNamesFor(['localhost', '127.0.0.1', '::1', '*.Example.test', 'dev@Example.test', 'spiffe://example.test/svc']), {
      dns: ['localhost', '*.example.test'],
      ip: ['127.0.0.1', '::1'],
      email: ['dev@example.test'],
      uri: ['spiffe://example.test/svc'],
    });
  });

  test('a host:port is neither a URI nor a DNS name', () => {
    assert.throws(() => subjectAltNamesFor(['localhost:8443']), TypeError);
  });

  test('malformed e-mail addresses are refused', () => {
    for (const bad of ['@example.test', 'a b@example.test', 'dev@', 'dev@bad_host!']) assert.throws(() => subjectAltNamesFor([bad]), TypeError, bad);
  });

  test("control characters and non-ASCII in e-mail addresses and URIs are refused (a CSR's names reach the terminal and the certificate)", () => {
    // rfc822Name and uniformResourceIdentifier are IA5String (RFC 5280 §4.2.1.6), and neither a
    // mailbox nor a URI (RFC 3986 §2) holds control characters: ESC would drive the terminal.
    for (const bad of [
      'us\x1b[31mer@example.test',
      'dev\x07@example.test',
      'urn:x\x1b[2J',
      'https://example.test/\x07',
      'https://example.test/\u009b31m',
      'dév@example.test',
    ]) {
      assert.throws(() => subjectAltNamesFor([bad]), TypeError, JSON.stringify(bad));
    }
  });
});

import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { Certificate } from './certificate.js';
import type { GeneralName } from './general-name.js';
import { verifyEmailAddress, verifyHostname } from './hostname.js';
import { formatIPAddress, looksLikeIPAddress, parseIPAddress, parseIPv4, parseIPv6 } from './ip-address.js';

/** Only the subjectAltName matters to these functions. */
function withSans(...names: GeneralName[]): Certificate {
  return { extensions: { subjectAltName: names } } as unknown as Certificate;
}
const dns = (value: string): GeneralName => ({ kind: 'dns', value });
const ip = (text: string): GeneralName => ({ kind: 'ip', bytes: parseIPAddress(text)! });

describe('IP literals', () => {
  test('IPv4 dotted decimal only, no leading zeros', () => {
    assert.deepEqual([...parseIPv4('192.0.2.1')!], [192, 0, 2, 1]);
    for (const bad of ['192.0.2', '192.0.2.1.5', '192.0.2.256', '192.000.2.1', '0xc0.0.2.1', '1.2.3.-4', '']) assert.equal(parseIPv4(bad), undefined, bad);
  });
  test('IPv6 forms', () => {
    assert.equal(formatIPAddress(parseIPv6('2001:DB8:0:0:0:0:0:1')!), '2001:db8::1');
    assert.equal(formatIPAddress(parseIPv6('::')!), '::');
    assert.equal(formatIPAddress(parseIPv6('::ffff:192.0.2.1')!), '::ffff:c000:201');
    assert.equal(formatIPAddress(parseIPv6('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1'); // RFC 5952 §4.2.3: first longest run
    assert.equal(formatIPAddress(parseIPv6('2001:db8:0:1:1:1:1:1')!), '2001:db8:0:1:1:1:1:1'); // RFC 5952 §4.2.2: no "::" for one group
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', ':::', '1:2:3:4:5:6:7:8::']) assert.equal(parseIPv6(bad), undefined, bad);
    // RFC 4291 §2.2 (3): a dotted IPv4 part only as the last 32 bits.
    for (const bad of ['1.2.3.4::', '1:1.2.3.4::1', '1.2.3.4:1:2:3:4:5:6']) assert.equal(parseIPv6(bad), undefined, bad);
    assert.equal(formatIPAddress(parseIPv6('1::1.2.3.4')!), '1::102:304');
    assert.deepEqual(parseIPAddress('[::1]'), parseIPv6('::1'));
  });
  test('resolver-style spellings count as IP-like', () => {
    for (const s of ['0xC0A80101', '192.168.001.001', '3232235777', '2001:DB8::1']) assert.ok(looksLikeIPAddress(s), s);
    for (const s of ['example.com', 'x509-limbo-root', 'foo']) assert.ok(!looksLikeIPAddress(s), s);
  });
});

describe('verifyHostname (RFC 9525)', () => {
  test('a reference name a resolver reads as IPv4 is no DNS name (WHATWG URL "ends in a number", inet_aton)', () => {
    const cert = withSans(dns('*.0.0.1'), dns('127.1'), dns('0x7f000001'), dns('0177.0.0.1'), dns('*.1'), dns('foo.123'), ip('127.0.0.1'));
    for (const name of ['0177.0.0.1', '127.1', '0x7f.0.0.1', '0x7f000001', '0X7F000001', '127.1.', 'foo.123', 'a.0x', '1.2.3.4.5']) {
      assert.equal(verifyHostname(cert, name), false, name);
    }
    assert.equal(verifyHostname(cert, '127.0.0.1'), true, 'the canonical literal matches iPAddress');
    // Digits elsewhere are fine.
    assert.equal(verifyHostname(withSans(dns('*.0.0.example')), '1.0.0.example'), true);
    assert.equal(verifyHostname(withSans(dns('123.example')), '123.example'), true);
  });
  test('exact names match case-insensitively, with an optional trailing dot', () => {
    const cert = withSans(dns('www.Example.com'));
    assert.ok(verifyHostname(cert, 'www.example.com'));
    assert.ok(verifyHostname(cert, 'WWW.EXAMPLE.COM.'));
    assert.ok(!verifyHostname(cert, 'example.com'));
    assert.ok(!verifyHostname(cert, 'w.www.example.com'));
  });
  test('a wildcard covers exactly one left-most label', () => {
    const cert = withSans(dns('*.example.com'));
    assert.ok(verifyHostname(cert, 'foo.example.com'));
    assert.ok(!verifyHostname(cert, 'example.com'));
    assert.ok(!verifyHostname(cert, 'foo.bar.example.com'));
  });
  test('partial, inner and public-suffix-like wildcards never match', () => {
    assert.ok(!verifyHostname(withSans(dns('ba*.example.com')), 'baz.example.com'));
    assert.ok(!verifyHostname(withSans(dns('foo.*.example.com')), 'foo.bar.example.com'));
    assert.ok(!verifyHostname(withSans(dns('xn--*-1b3c148a.example.com')), 'xn--bliss-1b3c148a.example.com'));
    assert.ok(!verifyHostname(withSans(dns('*.com')), 'example.com'));
    assert.ok(!verifyHostname(withSans(dns('*')), 'com'));
  });
  test('invalid reference or presented names never match', () => {
    assert.ok(!verifyHostname(withSans(dns('foo_bar.example.com')), 'foo_bar.example.com'));
    assert.ok(!verifyHostname(withSans(dns('.example.com')), 'example.com'));
    assert.ok(!verifyHostname(withSans(dns('bücher.example')), 'bücher.example'));
    assert.ok(verifyHostname(withSans(dns('xn--bcher-kva.example')), 'xn--bcher-kva.example')); // A-labels as given
  });
  test('IP literals compare as bytes with iPAddress entries only', () => {
    const cert = withSans(ip('127.0.0.1'), ip('::1'), dns('10.0.0.1'));
    assert.ok(verifyHostname(cert, '127.0.0.1'));
    assert.ok(verifyHostname(cert, '0:0:0:0:0:0:0:1'));
    assert.ok(verifyHostname(cert, '[::1]'));
    assert.ok(!verifyHostname(cert, '10.0.0.1')); // an IP in a dNSName does not count
    assert.ok(!verifyHostname(cert, '::ffff:127.0.0.1')); // IPv4-mapped is a different address
  });
  test('no subjectAltName: nothing matches (no Common Name fallback)', () => {
    assert.ok(!verifyHostname({ extensions: {} } as unknown as Certificate, 'example.com'));
  });
});

describe('verifyEmailAddress', () => {
  test('local part exact, domain case-insensitive', () => {
    const cert = withSans({ kind: 'rfc822', value: 'Foo@Example.com' });
    assert.ok(verifyEmailAddress(cert, 'Foo@example.COM'));
    assert.ok(!verifyEmailAddress(cert, 'foo@example.com'));
    assert.ok(!verifyEmailAddress(cert, 'Foo@sub.example.com'));
    assert.ok(!verifyEmailAddress(withSans({ kind: 'rfc822', value: 'a@b@example.com' }), 'a@b@example.com'));
  });
});

// Features against OpenSSL's command line tools, both directions (issues 4 and 5): TLS 1.2
// resumption by session ID and by ticket with the extended master secret; TLS 1.3
// HelloRetryRequest, resumption, KeyUpdate (ours every 2 MiB of a 16 MiB transfer, and the peer's),
// mutual TLS, SNI, ALPN, OCSP stapling and 0-RTT. The peer's own report is checked where it gives one: interactive
// s_server/s_client print "Reused ...", the session they hold (which `openssl sess_id` reads,
// extended master secret included), the client certificate, the server name, ALPN and OCSP
// results; `-trace` logs show HelloRetryRequests and KeyUpdates.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PeerProcess, hasCommand, missingPeerReason, randomPayload } from '../helpers/peers.js';
import { SNI_NAME, altSniCallback, featurePki, type FeaturePki } from './feature-pki.js';
import { EKM_LABEL, EKM_LENGTH } from './peers/ekm.js';
import type { ConnectOptions } from '../../src/node/connect.js';
import type { TlsServerOptions } from '../../src/node/server.js';
import {
  FEATURE_CONCURRENCY,
  FEATURE_TIMEOUT_MS,
  KEY_UPDATE_EVERY,
  LONG_BYTES,
  againstOurServer,
  againstServer,
  answeredPeerKeyUpdate,
  checkKeyUpdates,
  clientConnection,
  closeOurs,
  closeWithClient,
  connectOurs,
  count,
  digitPayload,
  driveKeyUpdates,
  exchangeStdio,
  helloRetry,
  logAfterExit,
  opensslSessionBlocks,
  opensslSessionText,
  ourConnection,
  saysExtendedMasterSecret,
  traceHasHelloRetryRequest,
  traceKeyUpdates,
  traceServerHelloGroup,
  until,
  untilContains,
} from './features.js';

const unavailable = missingPeerReason(hasCommand('openssl'), 'openssl is not installed');

let pki: FeaturePki;
let files = 0;
const tempFile = (what: string): string => join(pki.dir, `openssl-${process.pid}-${++files}.${what}`);

type Version = 'TLSv1.2' | 'TLSv1.3';

/**
 * `openssl s_server` with our server certificate; interactive (it prints what it sees) unless quiet.
 * Cells that read its -msgfile trace give `-naccept`: it then exits by itself after the last
 * connection, and only then is the trace file complete. Quiet, it is known to listen once it took
 * the harness's probe connection, which counts as one accept; interactive, once it printed ACCEPT
 * (see sServerReady), without a probe.
 */
function sServer(port: number, extra: readonly string[], quiet = false): PeerProcess {
  return new PeerProcess('openssl s_server', 'openssl', [
    's_server',
    '-accept',
    `127.0.0.1:${port}`,
    '-key',
    pki.server.key,
    '-cert',
    pki.server.cert,
    ...extra,
    ...(quiet ? ['-quiet'] : []),
  ]);
}

/** An interactive s_server prints ACCEPT once it listens. */
const sServerReady = (peer: PeerProcess): boolean => /^ACCEPT/m.test(peer.stdout.text());

/** Our client against an interactive s_server with these flags. */
const againstInteractiveServer = (extra: readonly string[], body: (port: number, peer: PeerProcess) => Promise<void>): Promise<void> =>
  againstServer((port) => sServer(port, extra), body, sServerReady);

/** `openssl s_client` checking our chain for `name`; interactive but without command letters unless quiet. */
function sClient(port: number, extra: readonly string[], quiet = false, name = 'localhost'): PeerProcess {
  return new PeerProcess('openssl s_client', 'openssl', [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-servername',
    name,
    '-CAfile',
    pki.ca,
    '-verify_return_error',
    '-verify_hostname',
    name,
    ...extra,
    ...(quiet ? ['-quiet'] : ['-nocommands']),
  ]);
}

const ourClientOptions = (version: Version, more: ConnectOptions = {}): ConnectOptions => ({
  servername: 'localhost',
  ca: pki.caPem,
  minVersion: version,
  maxVersion: version,
  ...more,
});
const ourServerOptions = (version: Version, more: TlsServerOptions = {}): TlsServerOptions => ({
  key: pki.server.keyPem,
  cert: pki.server.certPem,
  minVersion: version,
  maxVersion: version,
  ...more,
});

describe('interop features: openssl', { concurrency: FEATURE_CONCURRENCY, skip: unavailable ?? false }, () => {
  before(async () => {
    pki = await featurePki();
  });

  // ---- issue 4: TLS 1.2 resumption, by session ID and by ticket, and the extended master secret ----

  for (const by of ['session ID', 'ticket'] as const) {
    // s_server -no_ticket: session IDs only; -no_cache: no session cache, so only a ticket can resume.
    const serverFlag = by === 'session ID' ? '-no_ticket' : '-no_cache';
    it(`our client → openssl s_server | TLSv1.2 | resumption by ${by} (s_server ${serverFlag}), extended master secret`, { timeout: FEATURE_TIMEOUT_MS }, () =>
      againstInteractiveServer(['-tls1_2', serverFlag], async (port, peer) => {
        // Three connections: the second resumes the first's session, the third the second's getSession().
        const first = await ourConnection(port, peer, ourClientOptions('TLSv1.2'), 'our first connection');
        const second = await ourConnection(port, peer, ourClientOptions('TLSv1.2', { session: first.socket.getSession()! }), 'our second connection');
        const third = await ourConnection(port, peer, ourClientOptions('TLSv1.2', { session: second.socket.getSession()! }), 'our third connection', {
          resumable: false,
        });
        assert.deepEqual(
          [first, second, third].map((c) => c.socket.isSessionReused()),
          [false, true, true],
          'our connections resumed (isSessionReused)',
        );
        assert.deepEqual(
          [first, second, third].map((c) => c.socket.info.extendedMasterSecret),
          [true, true, true],
          'our connections have the extended master secret',
        );
        await until(() => count(peer.stdout.text(), /Reused session-id/) === 2, 's_server to report both resumptions ("Reused session-id")');
        const sessions = opensslSessionBlocks(peer.stdout.text());
        assert.equal(sessions.length, 3, 's_server printed the session of each connection');
        for (const [i, s] of sessions.entries())
          assert.ok(saysExtendedMasterSecret(await opensslSessionText(s)), `s_server's session #${i + 1} has the extended master secret`);
      }),
    );

    // Our server: tickets: false leaves session IDs; sessionStore: false leaves tickets.
    const ours: TlsServerOptions = by === 'session ID' ? { tickets: false } : { sessionStore: false };
    it(
      `openssl s_client → our server | TLSv1.2 | resumption by ${by} (our ${by === 'session ID' ? 'tickets: false' : 'sessionStore: false'}), extended master secret`,
      { timeout: FEATURE_TIMEOUT_MS },
      () =>
        againstOurServer(ourServerOptions('TLSv1.2', ours), async (server, spawn) => {
          const sess = tempFile('session.pem');
          const noTicket = by === 'session ID' ? ['-no_ticket'] : [];
          const one = spawn((port) => sClient(port, ['-tls1_2', ...noTicket, '-sess_out', sess]));
          const first = await clientConnection(server, one, 's_client #1');
          const two = spawn((port) => sClient(port, ['-tls1_2', ...noTicket, '-sess_in', sess]));
          const second = await clientConnection(server, two, 's_client #2');
          assert.equal(first.socket.isSessionReused(), false, 'our first connection is not resumed');
          assert.equal(second.socket.isSessionReused(), true, 'our server resumed the second connection');
          assert.equal(first.socket.info.extendedMasterSecret, true, 'our server negotiated the extended master secret');
          assert.equal(second.socket.info.extendedMasterSecret, true, 'the resumed connection has the extended master secret');
          assert.match(one.stdout.text(), /New, TLSv1\.2/, 's_client #1: a new session');
          assert.match(one.stdout.text(), /Extended master secret: yes/, 's_client #1: extended master secret');
          if (by === 'ticket') assert.match(one.stdout.text(), /TLS session ticket:\n/, 's_client #1 got a ticket');
          else assert.doesNotMatch(one.stdout.text(), /TLS session ticket:\n/, 's_client #1 got no ticket');
          assert.match(two.stdout.text(), /Reused, TLSv1\.2/, 's_client #2 reports the resumption');
          assert.match(two.stdout.text(), /Extended master secret: yes/, 's_client #2: extended master secret');
        }),
    );
  }

  // ---- issue 5: TLS 1.3 features ----

  it('our client → openssl s_server | TLSv1.3 | HelloRetryRequest (s_server -groups P-256; we lead with X25519MLKEM768, x25519)', {
    timeout: FEATURE_TIMEOUT_MS,
  }, () => {
    const trace = tempFile('trace');
    return againstServer(
      (port) => sServer(port, ['-tls1_3', '-groups', 'P-256', '-naccept', '2', '-trace', '-msgfile', trace], true),
      async (port, peer) => {
        const ours = await connectOurs(port, ourClientOptions('TLSv1.3'), 'our client');
        await exchangeStdio(ours, peer);
        await closeOurs(ours, 'our client');
        assert.deepEqual(helloRetry(ours), { group: 'secp256r1' }, 'we got a HelloRetryRequest for secp256r1');
        assert.equal(ours.socket.info.group?.name, 'secp256r1');
        const log = await logAfterExit(peer, trace);
        assert.ok(traceHasHelloRetryRequest(log), 's_server sent a HelloRetryRequest (its trace)');
        assert.equal(traceServerHelloGroup(log), 'secp256r1', "s_server's final key share");
      },
    );
  });

  it(
    'openssl s_client → our server | TLSv1.3 | HelloRetryRequest (our ecdhCurve P-256; s_client -groups X25519:P-256 shares x25519)',
    { timeout: FEATURE_TIMEOUT_MS },
    () =>
      againstOurServer(ourServerOptions('TLSv1.3', { ecdhCurve: 'P-256' }), async (server, spawn) => {
        const trace = tempFile('trace');
        const peer = spawn((port) => sClient(port, ['-tls1_3', '-groups', 'X25519:P-256', '-trace', '-msgfile', trace], true));
        const ours = await clientConnection(server, peer, 's_client');
        assert.deepEqual(helloRetry(ours), { group: 'secp256r1' }, 'our server sent a HelloRetryRequest for secp256r1');
        const log = readFileSync(trace, 'latin1');
        assert.ok(traceHasHelloRetryRequest(log), 's_client got a HelloRetryRequest (its trace)');
        assert.equal(traceServerHelloGroup(log), 'secp256r1', 'the group s_client ended with');
      }),
  );

  it('our client → openssl s_server | TLSv1.3 | resumption (ticket)', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstInteractiveServer(['-tls1_3'], async (port, peer) => {
      const first = await ourConnection(port, peer, ourClientOptions('TLSv1.3'), 'our first connection');
      const second = await ourConnection(port, peer, ourClientOptions('TLSv1.3', { session: first.socket.getSession()! }), 'our second connection', {
        resumable: false,
      });
      assert.equal(first.socket.isSessionReused(), false);
      assert.equal(second.socket.isSessionReused(), true, 'our second connection is resumed (isSessionReused)');
      await until(() => count(peer.stdout.text(), /Reused session-id/) === 1, 's_server to report the resumption ("Reused session-id")');
    }),
  );

  it('openssl s_client → our server | TLSv1.3 | resumption (ticket)', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstOurServer(ourServerOptions('TLSv1.3'), async (server, spawn) => {
      const sess = tempFile('session.pem');
      const one = spawn((port) => sClient(port, ['-tls1_3', '-sess_out', sess]));
      const first = await clientConnection(server, one, 's_client #1');
      const two = spawn((port) => sClient(port, ['-tls1_3', '-sess_in', sess]));
      const second = await clientConnection(server, two, 's_client #2');
      assert.equal(first.socket.isSessionReused(), false);
      assert.equal(second.socket.isSessionReused(), true, 'our server resumed the second connection');
      assert.match(one.stdout.text(), /New, TLSv1\.3/);
      assert.match(two.stdout.text(), /Reused, TLSv1\.3/, 's_client #2 reports the resumption');
    }),
  );

  it(`our client → openssl s_server | TLSv1.3 | KeyUpdate: ${LONG_BYTES >> 20} MiB from s_server, we update every 2 MiB`, {
    timeout: FEATURE_TIMEOUT_MS,
  }, () => {
    const trace = tempFile('trace');
    return againstServer(
      (port) => sServer(port, ['-tls1_3', '-naccept', '2', '-trace', '-msgfile', trace], true),
      async (port, peer) => {
        const ours = await connectOurs(port, ourClientOptions('TLSv1.3'), 'our client');
        const updates = driveKeyUpdates(ours);
        const bulk = randomPayload(LONG_BYTES);
        await Promise.all([peer.write(bulk, 30_000), ours.received.atLeast(bulk.length, 30_000)]);
        assert.ok(ours.received.bytes().equals(bulk), `the ${bulk.length} bytes s_server sent`);
        const markers = Buffer.concat(updates.markers);
        await peer.stdout.atLeast(markers.length);
        assert.ok(peer.stdout.bytes().equals(markers), 's_server read what we sent after each KeyUpdate');
        await closeOurs(ours, 'our client');
        const { sent, received } = checkKeyUpdates(ours, LONG_BYTES / KEY_UPDATE_EVERY - 1, 's_server');
        assert.deepEqual(
          traceKeyUpdates(await logAfterExit(peer, trace)),
          {
            received: { requested: sent, notRequested: 0 },
            sent: { requested: 0, notRequested: received },
          },
          "s_server's trace: our KeyUpdates and its answers",
        );
      },
    );
  });

  it(`openssl s_client → our server | TLSv1.3 | KeyUpdate: ${LONG_BYTES >> 20} MiB from s_client, we update every 2 MiB`, { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstOurServer(ourServerOptions('TLSv1.3'), async (server, spawn) => {
      const trace = tempFile('trace');
      const peer = spawn((port) => sClient(port, ['-tls1_3', '-trace', '-msgfile', trace], true));
      const ours = await server.next('s_client: its handshake with our server', undefined, peer);
      const updates = driveKeyUpdates(ours);
      const bulk = randomPayload(LONG_BYTES);
      await Promise.all([peer.write(bulk, 30_000), ours.received.atLeast(bulk.length, 30_000)]);
      assert.ok(ours.received.bytes().equals(bulk), `the ${bulk.length} bytes s_client sent`);
      const markers = Buffer.concat(updates.markers);
      await peer.stdout.atLeast(markers.length);
      assert.ok(peer.stdout.bytes().equals(markers), 's_client read what we sent after each KeyUpdate');
      await closeWithClient(ours, peer, 's_client');
      const { sent, received } = checkKeyUpdates(ours, LONG_BYTES / KEY_UPDATE_EVERY - 1, 's_client');
      assert.deepEqual(
        traceKeyUpdates(readFileSync(trace, 'latin1')),
        {
          received: { requested: sent, notRequested: 0 },
          sent: { requested: 0, notRequested: received },
        },
        "s_client's trace: our KeyUpdates and its answers",
      );
    }),
  );

  // The other way round: the peer asks for a KeyUpdate (interactive s_server/s_client: 'K' on
  // stdin sends one with update_requested) and we must answer before our next data.
  it("our client → openssl s_server | TLSv1.3 | KeyUpdate from s_server ('K': update_requested), we answer", { timeout: FEATURE_TIMEOUT_MS }, () => {
    const trace = tempFile('trace');
    return againstInteractiveServer(['-tls1_3', '-naccept', '1', '-trace', '-msgfile', trace], async (port, peer) => {
      const ours = await connectOurs(port, ourClientOptions('TLSv1.3'), 'our client');
      await exchangeStdio(ours, peer);
      await peer.write(Buffer.from('K\n'));
      await answeredPeerKeyUpdate(ours, peer);
      await exchangeStdio(ours, peer); // both ways under the new keys
      await closeOurs(ours, 'our client');
      assert.deepEqual(
        traceKeyUpdates(await logAfterExit(peer, trace)),
        {
          sent: { requested: 1, notRequested: 0 },
          received: { requested: 0, notRequested: 1 },
        },
        "s_server's trace: its KeyUpdate and our answer",
      );
    });
  });

  it("openssl s_client → our server | TLSv1.3 | KeyUpdate from s_client ('K': update_requested), we answer", { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstOurServer(ourServerOptions('TLSv1.3'), async (server, spawn) => {
      const trace = tempFile('trace');
      // Interactive with its command letters (no -nocommands): 'K' is one.
      const peer = spawn(
        (port) =>
          new PeerProcess('openssl s_client', 'openssl', [
            's_client',
            '-connect',
            `127.0.0.1:${port}`,
            '-servername',
            'localhost',
            '-CAfile',
            pki.ca,
            '-verify_return_error',
            '-verify_hostname',
            'localhost',
            '-tls1_3',
            '-trace',
            '-msgfile',
            trace,
          ]),
      );
      const ours = await server.next('s_client: its handshake with our server', undefined, peer);
      await exchangeStdio(ours, peer);
      await peer.write(Buffer.from('K\n'));
      await answeredPeerKeyUpdate(ours, peer);
      await exchangeStdio(ours, peer);
      await closeWithClient(ours, peer, 's_client');
      assert.deepEqual(
        traceKeyUpdates(readFileSync(trace, 'latin1')),
        {
          sent: { requested: 1, notRequested: 0 },
          received: { requested: 0, notRequested: 1 },
        },
        "s_client's trace: its KeyUpdate and our answer",
      );
    }),
  );

  it(
    'our client → openssl s_server | TLSv1.3 | mutual TLS (s_server -Verify 1 -verify_return_error, our client certificate)',
    { timeout: FEATURE_TIMEOUT_MS },
    () =>
      againstInteractiveServer(['-tls1_3', '-Verify', '1', '-CAfile', pki.ca, '-verify_return_error'], async (port, peer) => {
        const ours = await connectOurs(port, ourClientOptions('TLSv1.3', { key: pki.client.keyPem, cert: pki.client.certPem }), 'our client');
        await exchangeStdio(ours, peer);
        await closeOurs(ours, 'our client');
        await until(() => peer.stdout.text().includes(`Client certificate\n${pki.client.certPem}`), 's_server to print the client certificate it verified');
      }),
  );

  it('openssl s_client → our server | TLSv1.3 | mutual TLS (our requestCert + ca, s_client -cert)', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstOurServer(ourServerOptions('TLSv1.3', { requestCert: true, ca: pki.caPem }), async (server, spawn) => {
      const peer = spawn((port) => sClient(port, ['-tls1_3', '-cert', pki.client.cert, '-key', pki.client.key]));
      const ours = await clientConnection(server, peer, 's_client');
      assert.equal(ours.socket.authorized, true, `our server authorized the client: ${ours.socket.info.authorizationError?.message}`);
      assert.equal(ours.socket.getPeerCertificate().fingerprint256, pki.client.fingerprint256, 'the client certificate we got');
    }),
  );

  it(`our client → openssl s_server | TLSv1.3 | SNI: servername ${SNI_NAME} selects s_server's -cert2`, { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstInteractiveServer(['-tls1_3', '-cert2', pki.alt.cert, '-key2', pki.alt.key, '-servername', SNI_NAME], async (port, peer) => {
      const ours = await connectOurs(port, ourClientOptions('TLSv1.3', { servername: SNI_NAME }), 'our client');
      await exchangeStdio(ours, peer);
      await closeOurs(ours, 'our client');
      assert.equal(ours.socket.getPeerCertificate().fingerprint256, pki.alt.fingerprint256, `the certificate for ${SNI_NAME}`);
      assert.equal(ours.socket.authorized, true, `our client authorized it for ${SNI_NAME}`);
      const out = peer.stdout.text();
      assert.ok(
        out.includes(`Hostname in TLS extension: "${SNI_NAME}"`) && out.includes('Switching server context.'),
        's_server switched to its second certificate',
      );
    }),
  );

  it(`openssl s_client → our server | TLSv1.3 | SNI: -servername ${SNI_NAME} selects our SNICallback's certificate`, { timeout: FEATURE_TIMEOUT_MS }, () => {
    const { names, SNICallback } = altSniCallback(pki);
    return againstOurServer(ourServerOptions('TLSv1.3', { SNICallback }), async (server, spawn) => {
      const peer = spawn((port) => sClient(port, ['-tls1_3'], false, SNI_NAME));
      const ours = await clientConnection(server, peer, 's_client');
      assert.deepEqual(names, [SNI_NAME], 'SNICallback was asked for the name');
      assert.equal(ours.socket.servername, SNI_NAME);
      // s_client -verify_hostname alt.tlskit.test -verify_return_error: it only got here with that certificate.
      assert.match(peer.stdout.text(), new RegExp(`subject=O = tlskit tests, CN = ${SNI_NAME.replace(/\./g, '\\.')}`), 'the certificate s_client got');
    });
  });

  it('our client → openssl s_server | TLSv1.3 | ALPN: we offer h2, http/1.1; s_server -alpn http/1.1,x-tlskit', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstInteractiveServer(['-tls1_3', '-alpn', 'http/1.1,x-tlskit'], async (port, peer) => {
      const ours = await connectOurs(port, ourClientOptions('TLSv1.3', { ALPNProtocols: ['h2', 'http/1.1'] }), 'our client');
      await exchangeStdio(ours, peer);
      await closeOurs(ours, 'our client');
      assert.equal(ours.socket.alpnProtocol, 'http/1.1');
      assert.match(peer.stdout.text(), /ALPN protocols advertised by the client: h2, http\/1\.1/, 's_server saw our protocols');
    }),
  );

  it('openssl s_client → our server | TLSv1.3 | ALPN: s_client -alpn h2,http/1.1; we accept http/1.1, x-tlskit', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstOurServer(ourServerOptions('TLSv1.3', { ALPNProtocols: ['http/1.1', 'x-tlskit'] }), async (server, spawn) => {
      const peer = spawn((port) => sClient(port, ['-tls1_3', '-alpn', 'h2,http/1.1']));
      const ours = await clientConnection(server, peer, 's_client');
      assert.equal(ours.socket.alpnProtocol, 'http/1.1');
      assert.match(peer.stdout.text(), /ALPN protocol: http\/1\.1/, "s_client's ALPN result");
    }),
  );

  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`openssl s_client → our server | ${v} | keying material exporter: s_client -keymatexport prints our bytes`, { timeout: FEATURE_TIMEOUT_MS }, () =>
      againstOurServer(ourServerOptions(v), async (server, spawn) => {
        const peer = spawn((port) =>
          sClient(port, [v === 'TLSv1.2' ? '-tls1_2' : '-tls1_3', '-keymatexport', EKM_LABEL, '-keymatexportlen', String(EKM_LENGTH)]),
        );
        const ours = await server.next('s_client: its handshake with our server', undefined, peer);
        const expected = ours.socket.exportKeyingMaterial(EKM_LENGTH, EKM_LABEL).toString('hex').toUpperCase();
        await exchangeStdio(ours, peer);
        await closeWithClient(ours, peer, 's_client');
        assert.match(peer.stdout.text(), new RegExp(`Label: '${EKM_LABEL}'[\\s\\S]*?Keying material: ${expected}`), "s_client's keying material");
      }),
    );
  }

  it('our client → openssl s_server | TLSv1.3 | OCSP stapling: requestOCSP; s_server -status_file', { timeout: FEATURE_TIMEOUT_MS }, () => {
    const trace = tempFile('trace');
    return againstServer(
      (port) => sServer(port, ['-tls1_3', '-status_file', pki.ocsp!.path, '-naccept', '2', '-trace', '-msgfile', trace], true),
      async (port, peer) => {
        let stapled: Buffer | undefined;
        const ours = await connectOurs(port, ourClientOptions('TLSv1.3', { requestOCSP: true }), 'our client', (s) =>
          s.on('OCSPResponse', (r: Buffer) => (stapled = r)),
        );
        await exchangeStdio(ours, peer);
        await closeOurs(ours, 'our client');
        assert.ok(stapled?.equals(pki.ocsp!.der), "the 'OCSPResponse' we got is s_server's -status_file");
        // The status_request extension: in our ClientHello, and in s_server's Certificate entry.
        assert.ok(
          count(await logAfterExit(peer, trace), /extension_type=status_request\(5\)/) >= 2,
          "s_server's trace: our status_request and its stapled response",
        );
      },
    );
  });

  it('openssl s_client → our server | TLSv1.3 | OCSP stapling: s_client -status; our ocspResponse', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstOurServer(ourServerOptions('TLSv1.3', { ocspResponse: pki.ocsp!.der }), async (server, spawn) => {
      const peer = spawn((port) => sClient(port, ['-tls1_3', '-status']));
      await clientConnection(server, peer, 's_client');
      const out = peer.stdout.text();
      assert.match(out, /OCSP Response Status: successful/, 's_client parsed our stapled response');
      assert.match(out, /Cert Status: good/, 's_client: the certificate is good');
    }),
  );

  it('our client → openssl s_server | TLSv1.3 | 0-RTT: earlyData on the resumed connection; s_server -early_data', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstInteractiveServer(['-tls1_3', '-early_data'], async (port, peer) => {
      // s_server -early_data stalls (in select, its handshake unfinished) when its stdin has data
      // before it finished the handshake: it gets stdin only once it printed what we sent.
      const first = await ourConnection(port, peer, ourClientOptions('TLSv1.3'), 'our first connection', { sequential: true });
      const early = digitPayload(8 * 1024);
      const second = await connectOurs(
        port,
        ourClientOptions('TLSv1.3', { session: first.socket.getSession()!, earlyData: true }),
        'our 0-RTT connection',
        (s) => s.write(early),
      );
      assert.equal(second.socket.info.earlyData, 'accepted', 's_server accepted our early data');
      await untilContains(peer.stdout, early, 's_server printing our early data');
      assert.ok(peer.stdout.text().includes('Early data received:'), 's_server read it as early data');
      await exchangeStdio(second, peer, { sequential: true });
      await closeOurs(second, 'our 0-RTT connection');
      assert.equal(second.socket.isSessionReused(), true);
    }),
  );

  it('openssl s_client → our server | TLSv1.3 | 0-RTT: s_client -sess_in -early_data; our maxEarlyData', { timeout: FEATURE_TIMEOUT_MS }, () =>
    againstOurServer(ourServerOptions('TLSv1.3', { maxEarlyData: 16384 }), async (server, spawn) => {
      const sess = tempFile('session.pem');
      const one = spawn((port) => sClient(port, ['-tls1_3', '-sess_out', sess]));
      await clientConnection(server, one, 's_client #1');
      const early = digitPayload(8 * 1024);
      const earlyFile = tempFile('early');
      writeFileSync(earlyFile, early);
      const two = spawn((port) => sClient(port, ['-tls1_3', '-sess_in', sess, '-early_data', earlyFile]));
      const ours = await server.next('s_client #2: its handshake with our server', undefined, two);
      assert.equal(ours.socket.info.earlyData, 'accepted', 'our server accepted the early data');
      await ours.received.atLeast(early.length);
      assert.ok(ours.received.bytes().subarray(0, early.length).equals(early), 'the early data, first on the connection');
      await exchangeStdio(ours, two);
      await closeWithClient(ours, two, 's_client #2');
      assert.match(two.stdout.text(), /Early data was accepted/, 's_client #2: early data accepted');
      assert.match(two.stdout.text(), /Reused, TLSv1\.3/);
    }),
  );
});

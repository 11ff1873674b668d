// Features against node:tls on Node 20 and Node 24, both directions (issues 4 and 5): TLS 1.2
// resumption by session ID and by ticket with the extended master secret; TLS 1.3
// HelloRetryRequest, resumption, KeyUpdate under a 16 MiB transfer, mutual TLS, SNI, ALPN, OCSP
// stapling; X25519MLKEM768 on Node 24. The node peer (peers/node-peer.ts) reports what node:tls
// says: isSessionReused(), getSession() (OpenSSL's SSL_SESSION, whose extended-master-secret flag
// `openssl sess_id` reads), alpnProtocol, the SNI name, OCSP; `enableTrace` gives OpenSSL's message
// trace (HelloRetryRequest, the key share group). node:tls has no 0-RTT: those cells are skipped.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TlsServerOptions } from '../../src/node/server.js';
import type { ConnectOptions } from '../../src/node/connect.js';
import { PeerProcess, hasCommand, missingPeerReason, nodeBinary, randomPayload } from '../helpers/peers.js';
import { OCSP_UNAVAILABLE, SNI_NAME, altSniCallback, featurePki, type FeaturePki } from './feature-pki.js';
import { EKM_CONTEXT, EKM_LABEL, EKM_LENGTH } from './peers/ekm.js';
import {
  FEATURE_CONCURRENCY,
  FEATURE_TIMEOUT_MS,
  KEY_UPDATE_EVERY,
  LONG_BYTES,
  againstOurServer,
  againstServer,
  checkKeyUpdates,
  clientConnection,
  closeOurs,
  closeWithClient,
  connectOurs,
  driveKeyUpdates,
  exchangeStdio,
  helloRetry,
  opensslSessionText,
  ourConnection,
  saysExtendedMasterSecret,
  traceHasHelloRetryRequest,
  traceServerHelloGroup,
  until,
  type OurEnd,
  type OurServer,
} from './features.js';

const peerScript = fileURLToPath(new URL('./peers/node-peer.js', import.meta.url));
const NODE_MAJORS = [20, 24] as const;
/** EMS is read from node's session with `openssl sess_id`. */
const sessIdUnavailable = hasCommand('openssl') ? undefined : 'openssl is not installed: it reads the extended master secret flag of node:tls sessions';

let pki: FeaturePki;
let files = 0;
const tempFile = (what: string): string => join(pki.dir, `node-${process.pid}-${++files}.${what}`);

type Version = 'TLSv1.2' | 'TLSv1.3';

/** What the node peer reports (see peers/node-peer.ts). */
interface Report {
  event: string;
  index?: number;
  reused?: boolean;
  session?: string | null;
  authorized?: boolean;
  authorizationError?: string | null;
  peerFingerprint256?: string | null;
  alpnProtocol?: string | false;
  servername?: string | false;
  ephemeral?: { type?: string; name?: string } | null;
  name?: string;
  der?: string;
  ekm?: string;
  ekmWithContext?: string;
}

interface NodePeer {
  readonly peer: PeerProcess;
  reports(): Report[];
  /** The 'secure' reports, by connection. */
  secure(): Report[];
}

function nodePeer(binary: string, major: number, role: 'server' | 'client', port: number, config: Record<string, unknown>): NodePeer {
  const reportFile = tempFile('reports');
  // With enableTrace, stderr carries OpenSSL's trace: into a file (see PeerProcess's stderrFile).
  const peer = new PeerProcess(
    `node ${major} tls ${role === 'server' ? 'server' : 'client'}`,
    binary,
    [
      peerScript,
      JSON.stringify({
        role,
        host: '127.0.0.1',
        port,
        reportFile,
        ...config,
      }),
    ],
    config.trace ? { stderrFile: tempFile('stderr') } : {},
  );
  const reports = (): Report[] =>
    existsSync(reportFile)
      ? readFileSync(reportFile, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Report)
      : [];
  return { peer, reports, secure: () => reports().filter((r) => r.event === 'secure') };
}

const versions = (v: Version): { minVersion: Version; maxVersion: Version } => ({ minVersion: v, maxVersion: v });
const ourClientOptions = (version: Version, more: ConnectOptions = {}): ConnectOptions => ({
  servername: 'localhost',
  ca: pki.caPem,
  ...versions(version),
  ...more,
});
const ourServerOptions = (version: Version, more: TlsServerOptions = {}): TlsServerOptions => ({
  key: pki.server.keyPem,
  cert: pki.server.certPem,
  ...versions(version),
  ...more,
});
const serverCert = (): Record<string, string> => ({ key: pki.server.key, cert: pki.server.cert });
const clientTrust = (name = 'localhost'): Record<string, string> => ({ servername: name, ca: pki.ca });

/** Waits until the peer reported `n` secure connections; returns them. */
async function secureReports(p: NodePeer, n: number): Promise<Report[]> {
  await until(
    () => p.secure().length >= n,
    `${p.peer.name} to report ${n} secure connection(s)`,
    undefined,
    () => p.peer.describe(),
  );
  return p.secure();
}

/** "Extended master secret: yes" in node's session (OpenSSL's SSL_SESSION) of each report. */
async function nodeSessionsHaveEms(list: Report[], who: string): Promise<void> {
  for (const r of list) {
    assert.ok(r.session, `${who} #${r.index! + 1}: node:tls gave no session`);
    assert.ok(
      saysExtendedMasterSecret(await opensslSessionText(Buffer.from(r.session, 'hex'))),
      `${who} #${r.index! + 1}: node's session has the extended master secret`,
    );
  }
}

/** A node client's connections that end on their own (earlier ones in a resumption chain): seen and closed. */
async function closedByClient(server: OurServer, peer: PeerProcess, what: string): Promise<OurEnd> {
  const ours = await server.next(`${what}: its handshake with our server`, undefined, peer);
  await until(
    () => ours.socket.closed,
    `${what} to close its connection`,
    undefined,
    () => peer.describe(),
  );
  assert.deepEqual(
    ours.errors.map((e) => e.message),
    [],
    `errors on our server's connection from ${what}`,
  );
  return ours;
}

describe('interop features: node:tls', { concurrency: FEATURE_CONCURRENCY }, () => {
  before(async () => {
    pki = await featurePki();
  });

  for (const major of NODE_MAJORS) {
    const binary = nodeBinary(major);
    const skip =
      missingPeerReason(binary !== undefined, `no Node.js ${major} binary found (npm run setup:runtimes installs Node 24; TLSKIT_NODE${major} names one)`) ??
      false;
    const server = (port: number, config: Record<string, unknown>): NodePeer => nodePeer(binary!, major, 'server', port, { ...serverCert(), ...config });
    const client = (port: number, config: Record<string, unknown>): NodePeer => nodePeer(binary!, major, 'client', port, { ...clientTrust(), ...config });
    const S = `node ${major} tls.createServer`;
    const C = `node ${major} tls.connect`;
    /** Our client against a node server peer started with `config`; `body` also gets its reports. */
    const againstNodeServer = (config: Record<string, unknown>, body: (port: number, peer: PeerProcess, node: NodePeer) => Promise<void>): Promise<void> => {
      let node: NodePeer | undefined;
      return againstServer(
        (port) => (node = server(port, config)).peer,
        (port, peer) => body(port, peer, node!),
      );
    };

    // ---- issue 4: TLS 1.2 resumption, by session ID and by ticket, and the extended master secret ----

    for (const by of ['session ID', 'ticket'] as const) {
      // node:tls keeps no session cache of its own: with tickets off (SSL_OP_NO_TICKET) the peer
      // serves session IDs from a cache behind newSession/resumeSession; otherwise only tickets resume.
      const nodeServerConfig = by === 'session ID' ? { noTickets: true, sessionCache: true } : {};
      it(
        `our client → ${S} | TLSv1.2 | resumption by ${by} (${by === 'session ID' ? 'SSL_OP_NO_TICKET, newSession/resumeSession cache' : 'tickets, no session cache'}), extended master secret`,
        { timeout: FEATURE_TIMEOUT_MS, skip: skip || (sessIdUnavailable ?? false) },
        () =>
          againstNodeServer({ ...versions('TLSv1.2'), connections: 3, ...nodeServerConfig }, async (port, peer, node) => {
            // Three connections: the second resumes the first's session, the third the second's getSession().
            const none = { exchange: 'none' } as const;
            const first = await ourConnection(port, peer, ourClientOptions('TLSv1.2'), 'our first connection', none);
            const second = await ourConnection(port, peer, ourClientOptions('TLSv1.2', { session: first.socket.getSession()! }), 'our second connection', none);
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
            const reports = await secureReports(node, 3);
            assert.deepEqual(
              reports.map((r) => r.reused),
              [false, true, true],
              "node's isSessionReused()",
            );
            await nodeSessionsHaveEms(reports, 'node server connection');
          }),
      );

      const ours: TlsServerOptions = by === 'session ID' ? { tickets: false } : { sessionStore: false };
      it(
        `${C} → our server | TLSv1.2 | resumption by ${by} (${by === 'session ID' ? 'node SSL_OP_NO_TICKET; our tickets: false' : 'our sessionStore: false'}), extended master secret`,
        { timeout: FEATURE_TIMEOUT_MS, skip: skip || (sessIdUnavailable ?? false) },
        () =>
          againstOurServer(ourServerOptions('TLSv1.2', ours), async (ourServer, spawn) => {
            let node: NodePeer | undefined;
            const peer = spawn(
              (port) => (node = client(port, { ...versions('TLSv1.2'), connections: 2, ...(by === 'session ID' ? { noTickets: true } : {}) })).peer,
            );
            const first = await closedByClient(ourServer, peer, `${C} #1`);
            const second = await clientConnection(ourServer, peer, `${C} #2`);
            assert.deepEqual(
              [first, second].map((c) => c.socket.isSessionReused()),
              [false, true],
              'our server resumed the second connection',
            );
            assert.deepEqual(
              [first, second].map((c) => c.socket.info.extendedMasterSecret),
              [true, true],
              'extended master secret on both',
            );
            const reports = await secureReports(node!, 2);
            assert.deepEqual(
              reports.map((r) => r.reused),
              [false, true],
              "node's isSessionReused()",
            );
            await nodeSessionsHaveEms(reports, 'node client connection');
          }),
      );
    }

    // ---- issue 5: TLS 1.3 features ----

    it(
      `our client → ${S} | TLSv1.3 | HelloRetryRequest (node ecdhCurve P-256; we lead with X25519MLKEM768, x25519)`,
      { timeout: FEATURE_TIMEOUT_MS, skip },
      () =>
        againstNodeServer({ ...versions('TLSv1.3'), ecdhCurve: 'P-256', trace: true }, async (port, peer) => {
          const ours = await ourConnection(port, peer, ourClientOptions('TLSv1.3'), 'our client', { resumable: false });
          assert.deepEqual(helloRetry(ours), { group: 'secp256r1' }, 'we got a HelloRetryRequest for secp256r1');
          assert.equal(ours.socket.info.group?.name, 'secp256r1');
          assert.ok(traceHasHelloRetryRequest(peer.stderrText), "node's trace (enableTrace): it sent a HelloRetryRequest");
          assert.equal(traceServerHelloGroup(peer.stderrText), 'secp256r1', "node's trace: its final key share");
        }),
    );

    it(
      `${C} → our server | TLSv1.3 | HelloRetryRequest (our ecdhCurve P-256; node ecdhCurve X25519:P-256 shares x25519)`,
      { timeout: FEATURE_TIMEOUT_MS, skip },
      () =>
        againstOurServer(ourServerOptions('TLSv1.3', { ecdhCurve: 'P-256' }), async (ourServer, spawn) => {
          let node: NodePeer | undefined;
          const peer = spawn((port) => (node = client(port, { ...versions('TLSv1.3'), ecdhCurve: 'X25519:P-256', trace: true })).peer);
          const ours = await clientConnection(ourServer, peer, C);
          assert.deepEqual(helloRetry(ours), { group: 'secp256r1' }, 'our server sent a HelloRetryRequest for secp256r1');
          assert.ok(traceHasHelloRetryRequest(peer.stderrText), "node's trace (enableTrace): it got a HelloRetryRequest");
          const [report] = await secureReports(node!, 1);
          assert.equal(report!.ephemeral?.name, 'prime256v1', "node's getEphemeralKeyInfo()");
        }),
    );

    it(`our client → ${S} | TLSv1.3 | resumption (ticket)`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstNodeServer({ ...versions('TLSv1.3'), connections: 2 }, async (port, peer, node) => {
        const first = await ourConnection(port, peer, ourClientOptions('TLSv1.3'), 'our first connection', { exchange: 'none' });
        const second = await ourConnection(port, peer, ourClientOptions('TLSv1.3', { session: first.socket.getSession()! }), 'our second connection', {
          resumable: false,
        });
        assert.deepEqual(
          [first, second].map((c) => c.socket.isSessionReused()),
          [false, true],
          'our second connection is resumed (isSessionReused)',
        );
        assert.deepEqual(
          (await secureReports(node, 2)).map((r) => r.reused),
          [false, true],
          "node's isSessionReused()",
        );
      }),
    );

    it(`${C} → our server | TLSv1.3 | resumption (ticket)`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstOurServer(ourServerOptions('TLSv1.3'), async (ourServer, spawn) => {
        let node: NodePeer | undefined;
        const peer = spawn((port) => (node = client(port, { ...versions('TLSv1.3'), connections: 2 })).peer);
        const first = await closedByClient(ourServer, peer, `${C} #1`);
        const second = await clientConnection(ourServer, peer, `${C} #2`);
        assert.deepEqual(
          [first, second].map((c) => c.socket.isSessionReused()),
          [false, true],
          'our server resumed the second connection',
        );
        assert.deepEqual(
          (await secureReports(node!, 2)).map((r) => r.reused),
          [false, true],
          "node's isSessionReused()",
        );
      }),
    );

    it(`our client → ${S} | TLSv1.3 | KeyUpdate: ${LONG_BYTES >> 20} MiB from node, we update every 2 MiB`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstNodeServer(versions('TLSv1.3'), async (port, peer) => {
        const ours = await connectOurs(port, ourClientOptions('TLSv1.3'), 'our client');
        const updates = driveKeyUpdates(ours);
        const bulk = randomPayload(LONG_BYTES);
        await Promise.all([peer.write(bulk, 30_000), ours.received.atLeast(bulk.length, 30_000)]);
        assert.ok(ours.received.bytes().equals(bulk), `the ${bulk.length} bytes node sent`);
        const markers = Buffer.concat(updates.markers);
        await peer.stdout.atLeast(markers.length);
        assert.ok(peer.stdout.bytes().equals(markers), 'node read what we sent after each KeyUpdate');
        await closeOurs(ours, 'our client');
        checkKeyUpdates(ours, LONG_BYTES / KEY_UPDATE_EVERY - 1, S);
      }),
    );

    it(`${C} → our server | TLSv1.3 | KeyUpdate: ${LONG_BYTES >> 20} MiB from node, we update every 2 MiB`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstOurServer(ourServerOptions('TLSv1.3'), async (ourServer, spawn) => {
        const peer = spawn((port) => client(port, versions('TLSv1.3')).peer);
        const ours = await ourServer.next(`${C}: its handshake with our server`, undefined, peer);
        const updates = driveKeyUpdates(ours);
        const bulk = randomPayload(LONG_BYTES);
        await Promise.all([peer.write(bulk, 30_000), ours.received.atLeast(bulk.length, 30_000)]);
        assert.ok(ours.received.bytes().equals(bulk), `the ${bulk.length} bytes node sent`);
        const markers = Buffer.concat(updates.markers);
        await peer.stdout.atLeast(markers.length);
        assert.ok(peer.stdout.bytes().equals(markers), 'node read what we sent after each KeyUpdate');
        await closeWithClient(ours, peer, C);
        checkKeyUpdates(ours, LONG_BYTES / KEY_UPDATE_EVERY - 1, C);
      }),
    );

    it(
      `our client → ${S} | TLSv1.3 | mutual TLS (node requestCert + rejectUnauthorized + ca, our client certificate)`,
      { timeout: FEATURE_TIMEOUT_MS, skip },
      () =>
        againstNodeServer({ ...versions('TLSv1.3'), requestCert: true, ca: pki.ca }, async (port, peer, node) => {
          await ourConnection(port, peer, ourClientOptions('TLSv1.3', { key: pki.client.keyPem, cert: pki.client.certPem }), 'our client', {
            resumable: false,
          });
          const [report] = await secureReports(node, 1);
          assert.equal(report!.authorized, true, `node authorized our client certificate: ${report!.authorizationError}`);
          assert.equal(report!.peerFingerprint256, pki.client.fingerprint256, 'the client certificate node got');
        }),
    );

    it(`${C} → our server | TLSv1.3 | mutual TLS (our requestCert + ca, node key/cert)`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstOurServer(ourServerOptions('TLSv1.3', { requestCert: true, ca: pki.caPem }), async (ourServer, spawn) => {
        const peer = spawn((port) => client(port, { ...versions('TLSv1.3'), key: pki.client.key, cert: pki.client.cert }).peer);
        const ours = await clientConnection(ourServer, peer, C);
        assert.equal(ours.socket.authorized, true, `our server authorized the client: ${ours.socket.info.authorizationError?.message}`);
        assert.equal(ours.socket.getPeerCertificate().fingerprint256, pki.client.fingerprint256, 'the client certificate we got');
      }),
    );

    it(`our client → ${S} | TLSv1.3 | SNI: servername ${SNI_NAME} selects node's SNICallback context`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstNodeServer({ ...versions('TLSv1.3'), sni: { [SNI_NAME]: { key: pki.alt.key, cert: pki.alt.cert } } }, async (port, peer, node) => {
        const ours = await ourConnection(port, peer, ourClientOptions('TLSv1.3', { servername: SNI_NAME }), 'our client', { resumable: false });
        assert.equal(ours.socket.getPeerCertificate().fingerprint256, pki.alt.fingerprint256, `the certificate for ${SNI_NAME}`);
        assert.equal(ours.socket.authorized, true, `our client authorized it for ${SNI_NAME}`);
        assert.deepEqual(
          node
            .reports()
            .filter((r) => r.event === 'sni')
            .map((r) => r.name),
          [SNI_NAME],
          "node's SNICallback got our name",
        );
        assert.equal((await secureReports(node, 1))[0]!.servername, SNI_NAME, "node's socket.servername");
      }),
    );

    it(`${C} → our server | TLSv1.3 | SNI: servername ${SNI_NAME} selects our SNICallback's certificate`, { timeout: FEATURE_TIMEOUT_MS, skip }, () => {
      const { names, SNICallback } = altSniCallback(pki);
      return againstOurServer(ourServerOptions('TLSv1.3', { SNICallback }), async (ourServer, spawn) => {
        let node: NodePeer | undefined;
        const peer = spawn((port) => (node = client(port, { ...versions('TLSv1.3'), ...clientTrust(SNI_NAME) })).peer);
        const ours = await clientConnection(ourServer, peer, C);
        assert.deepEqual(names, [SNI_NAME], 'SNICallback was asked for the name');
        assert.equal(ours.socket.servername, SNI_NAME);
        const [report] = await secureReports(node!, 1);
        assert.equal(report!.authorized, true, `node authorized the certificate for ${SNI_NAME}: ${report!.authorizationError}`);
        assert.equal(report!.peerFingerprint256, pki.alt.fingerprint256, 'the certificate node got');
      });
    });

    it(`our client → ${S} | TLSv1.3 | ALPN: we offer h2, http/1.1; node accepts http/1.1, x-tlskit`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstNodeServer({ ...versions('TLSv1.3'), ALPNProtocols: ['http/1.1', 'x-tlskit'] }, async (port, peer, node) => {
        const ours = await ourConnection(port, peer, ourClientOptions('TLSv1.3', { ALPNProtocols: ['h2', 'http/1.1'] }), 'our client', { resumable: false });
        assert.equal(ours.socket.alpnProtocol, 'http/1.1');
        assert.equal((await secureReports(node, 1))[0]!.alpnProtocol, 'http/1.1', "node's alpnProtocol");
      }),
    );

    it(`${C} → our server | TLSv1.3 | ALPN: node offers h2, http/1.1; we accept http/1.1, x-tlskit`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstOurServer(ourServerOptions('TLSv1.3', { ALPNProtocols: ['http/1.1', 'x-tlskit'] }), async (ourServer, spawn) => {
        let node: NodePeer | undefined;
        const peer = spawn((port) => (node = client(port, { ...versions('TLSv1.3'), ALPNProtocols: ['h2', 'http/1.1'] })).peer);
        const ours = await clientConnection(ourServer, peer, C);
        assert.equal(ours.socket.alpnProtocol, 'http/1.1');
        assert.equal((await secureReports(node!, 1))[0]!.alpnProtocol, 'http/1.1', "node's alpnProtocol");
      }),
    );

    it(
      `our client → ${S} | TLSv1.3 | OCSP stapling: requestOCSP; node's OCSPRequest handler staples`,
      { timeout: FEATURE_TIMEOUT_MS, skip: skip || (OCSP_UNAVAILABLE ?? false) },
      () =>
        againstNodeServer({ ...versions('TLSv1.3'), ocspResponse: pki.ocsp?.path }, async (port, peer, node) => {
          let stapled: Buffer | undefined;
          const ours = await connectOurs(port, ourClientOptions('TLSv1.3', { requestOCSP: true }), 'our client', (s) =>
            s.on('OCSPResponse', (r: Buffer) => (stapled = r)),
          );
          await exchangeStdio(ours, peer);
          await closeOurs(ours, 'our client');
          assert.ok(stapled?.equals(pki.ocsp!.der), "the 'OCSPResponse' we got is the one node stapled");
          assert.equal(node.reports().filter((r) => r.event === 'ocsp-request').length, 1, "node's 'OCSPRequest' event saw our request");
        }),
    );

    it(
      `${C} → our server | TLSv1.3 | OCSP stapling: node requestOCSP; our ocspResponse`,
      { timeout: FEATURE_TIMEOUT_MS, skip: skip || (OCSP_UNAVAILABLE ?? false) },
      () =>
        againstOurServer(ourServerOptions('TLSv1.3', { ocspResponse: pki.ocsp?.der }), async (ourServer, spawn) => {
          let node: NodePeer | undefined;
          const peer = spawn((port) => (node = client(port, { ...versions('TLSv1.3'), requestOCSP: true })).peer);
          await clientConnection(ourServer, peer, C);
          const got = node!.reports().filter((r) => r.event === 'ocsp-response');
          assert.equal(got.length, 1, "node's 'OCSPResponse' event");
          assert.ok(Buffer.from(got[0]!.der!, 'hex').equals(pki.ocsp!.der), 'node got the response we stapled');
        }),
    );

    // ---- keying material exporters: RFC 8446 §7.5, RFC 5705 (with the extended master secret) ----

    /** Our end's exported keying material against what node's end reported, with and without a context. */
    const sameKeyingMaterial = (ours: OurEnd, report: Report): void => {
      assert.equal(ours.socket.exportKeyingMaterial(EKM_LENGTH, EKM_LABEL).toString('hex'), report.ekm, 'exportKeyingMaterial without a context');
      assert.equal(ours.socket.exportKeyingMaterial(EKM_LENGTH, EKM_LABEL, Buffer.from(EKM_CONTEXT)).toString('hex'), report.ekmWithContext, 'with a context');
    };
    for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
      it(`our client → ${S} | ${v} | keying material exporter: the same bytes as node's exportKeyingMaterial`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
        againstNodeServer(versions(v), async (port, peer, node) => {
          const ours = await connectOurs(port, ourClientOptions(v), 'our client');
          sameKeyingMaterial(ours, (await secureReports(node, 1))[0]!);
          await exchangeStdio(ours, peer);
          await closeOurs(ours, 'our client');
        }),
      );

      it(`${C} → our server | ${v} | keying material exporter: the same bytes as node's exportKeyingMaterial`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
        againstOurServer(ourServerOptions(v), async (ourServer, spawn) => {
          let node: NodePeer | undefined;
          const peer = spawn((port) => (node = client(port, versions(v))).peer);
          const ours = await ourServer.next(`${C}: its handshake with our server`, undefined, peer);
          sameKeyingMaterial(ours, (await secureReports(node!, 1))[0]!);
          await exchangeStdio(ours, peer);
          await closeWithClient(ours, peer, C);
        }),
      );
    }

    // No 0-RTT cells here: node:tls has no TLS 1.3 early data (neither tls.connect nor
    // tls.createServer can send or accept it); openssl and gnutls test ours both ways.

    // ---- issue 5: X25519MLKEM768 (OpenSSL 3.5, Node 24) ----

    const noMlKem = major < 24 ? `Node ${major}'s OpenSSL has no X25519MLKEM768 (it came with OpenSSL 3.5, in Node 24)` : false;
    it(
      `our client → ${S} | TLSv1.3 | X25519MLKEM768 (node ecdhCurve X25519MLKEM768 only; our defaults)`,
      { timeout: FEATURE_TIMEOUT_MS, skip: skip || noMlKem },
      () =>
        againstNodeServer({ ...versions('TLSv1.3'), ecdhCurve: 'X25519MLKEM768', trace: true }, async (port, peer) => {
          const ours = await ourConnection(port, peer, ourClientOptions('TLSv1.3'), 'our client', { resumable: false });
          assert.deepEqual(ours.socket.getEphemeralKeyInfo(), { type: 'TLSGroup', name: 'X25519MLKEM768' }, 'our getEphemeralKeyInfo()');
          assert.equal(helloRetry(ours), undefined, 'our first key share was X25519MLKEM768: no retry');
          // node:tls gives no group on a server socket: its trace shows the key share it sent.
          assert.equal(traceServerHelloGroup(peer.stderrText), 'X25519MLKEM768', "node's trace: its ServerHello key share");
        }),
    );

    it(
      `${C} → our server | TLSv1.3 | X25519MLKEM768 (node ecdhCurve X25519MLKEM768; our defaults)`,
      { timeout: FEATURE_TIMEOUT_MS, skip: skip || noMlKem },
      () =>
        againstOurServer(ourServerOptions('TLSv1.3'), async (ourServer, spawn) => {
          let node: NodePeer | undefined;
          const peer = spawn((port) => (node = client(port, { ...versions('TLSv1.3'), ecdhCurve: 'X25519MLKEM768' })).peer);
          const ours = await clientConnection(ourServer, peer, C);
          assert.equal(ours.socket.info.group?.name, 'X25519MLKEM768', 'our negotiated group');
          const [report] = await secureReports(node!, 1);
          assert.deepEqual(report!.ephemeral, { type: 'TLSGroup', name: 'X25519MLKEM768' }, "node's getEphemeralKeyInfo()");
        }),
    );
  }
});

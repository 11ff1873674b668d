// TLS 1.3 external PSKs (issue 14) against OpenSSL's command line tools and node:tls (Node 20 and
// 24), both directions: `openssl s_server -psk HEX -psk_identity ID -nocert`, `openssl s_client
// -psk ...`, and node:tls's pskCallback on either side. Every server here has no certificate: only
// the PSK can authenticate it. Each cell exchanges data, then checks what both sides say.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PeerProcess, hasCommand, missingPeerReason, nodeBinary } from '../helpers/peers.js';
import { FEATURE_CONCURRENCY, FEATURE_TIMEOUT_MS, againstOurServer, againstServer, clientConnection, ourConnection, until } from './features.js';

const KEY_HEX = 'd731ef57be09e5204f0b205b60627028';
const IDENTITY = 'tlskit-interop';
const key = Buffer.from(KEY_HEX, 'hex');
const clientPsk = { pskCallback: () => ({ psk: key, identity: IDENTITY }) };
const serverPsk = { pskCallback: (_socket: unknown, identity: string) => (identity === IDENTITY ? key : null) };

const opensslMissing = missingPeerReason(hasCommand('openssl'), 'openssl is not installed');
const peerScript = fileURLToPath(new URL('./peers/node-peer.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tlskit-psk-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** An interactive s_server prints ACCEPT once it listens. */
const sServerReady = (peer: PeerProcess): boolean => /^ACCEPT/m.test(peer.stdout.text());

describe('interop: TLS 1.3 external PSK', { concurrency: FEATURE_CONCURRENCY }, () => {
  it('our client → openssl s_server -psk -nocert | TLSv1.3 | authenticated by the PSK', { timeout: FEATURE_TIMEOUT_MS, skip: opensslMissing ?? false }, () =>
    againstServer(
      (port) =>
        new PeerProcess('openssl s_server', 'openssl', [
          's_server',
          '-accept',
          `127.0.0.1:${port}`,
          '-nocert',
          '-tls1_3',
          '-psk',
          KEY_HEX,
          '-psk_identity',
          IDENTITY,
        ]),
      async (port, peer) => {
        const ours = await ourConnection(port, peer, { ...clientPsk }, 'our client', { resumable: false });
        assert.equal(ours.socket.getProtocol(), 'TLSv1.3');
        assert.equal(ours.socket.authorized, true, 'the PSK authenticated the server');
        assert.deepEqual(ours.socket.getPeerCertificate(), {}, 'no certificate');
        assert.equal(ours.socket.info.pskIdentity, IDENTITY);
        assert.equal(ours.socket.getCipher()?.standardName, 'TLS_AES_128_GCM_SHA256', 'a SHA-256 suite for the PSK');
      },
      sServerReady,
    ),
  );

  it(
    'openssl s_client -psk → our server without a certificate | TLSv1.3 | authenticated by the PSK',
    { timeout: FEATURE_TIMEOUT_MS, skip: opensslMissing ?? false },
    () =>
      againstOurServer({ ...serverPsk }, async (server, spawn) => {
        const peer = spawn(
          (port) =>
            new PeerProcess('openssl s_client', 'openssl', [
              's_client',
              '-connect',
              `127.0.0.1:${port}`,
              '-tls1_3',
              '-psk',
              KEY_HEX,
              '-psk_identity',
              IDENTITY,
              '-nocommands',
            ]),
        );
        const ours = await clientConnection(server, peer, 's_client');
        assert.equal(ours.socket.info.pskIdentity, IDENTITY);
        assert.deepEqual(ours.socket.getPeerCertificate(), {});
        assert.match(peer.stdout.text(), /Protocol\s*:\s*TLSv1\.3/);
        assert.doesNotMatch(peer.stdout.text(), /Server certificate/, 's_client got no certificate');
      }),
  );

  for (const major of [20, 24] as const) {
    const binary = nodeBinary(major);
    const skip =
      missingPeerReason(binary !== undefined, `no Node.js ${major} binary found (npm run setup:runtimes installs Node 24; TLSKIT_NODE${major} names one)`) ??
      false;
    const nodePeer = (role: 'server' | 'client', port: number) => {
      const reportFile = join(dir, `node-${process.pid}-${++files}.reports`);
      const peer = new PeerProcess(`node ${major} tls ${role}`, binary!, [
        peerScript,
        JSON.stringify({
          role,
          host: '127.0.0.1',
          port,
          reportFile,
          psk: { identity: IDENTITY, keyHex: KEY_HEX },
        }),
      ]);
      const reports = (): { event: string; authorized?: boolean; protocol?: string; identity?: string; peerFingerprint256?: string | null }[] =>
        existsSync(reportFile)
          ? readFileSync(reportFile, 'utf8')
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => JSON.parse(l))
          : [];
      return { peer, reports };
    };

    it(`our client → node ${major} tls.createServer({ pskCallback }) without a certificate | TLSv1.3`, { timeout: FEATURE_TIMEOUT_MS, skip }, async () => {
      let node: ReturnType<typeof nodePeer> | undefined;
      await againstServer(
        (port) => (node = nodePeer('server', port)).peer,
        async (port, peer) => {
          const ours = await ourConnection(port, peer, { ...clientPsk }, 'our client', { resumable: false });
          assert.equal(ours.socket.authorized, true);
          assert.equal(ours.socket.info.pskIdentity, IDENTITY);
          await until(() => node!.reports().some((r) => r.event === 'secure'), `node ${major} to report the connection`);
          assert.ok(
            node!.reports().some((r) => r.event === 'psk-identity' && r.identity === IDENTITY),
            'node:tls was asked for our identity',
          );
          const secure = node!.reports().find((r) => r.event === 'secure')!;
          assert.equal(secure.protocol, 'TLSv1.3');
          assert.equal(secure.peerFingerprint256, null, 'no client certificate');
        },
      );
    });

    it(`node ${major} tls.connect({ pskCallback }) → our server without a certificate | TLSv1.3`, { timeout: FEATURE_TIMEOUT_MS, skip }, () =>
      againstOurServer({ ...serverPsk }, async (server, spawn) => {
        let node: ReturnType<typeof nodePeer> | undefined;
        const peer = spawn((port) => (node = nodePeer('client', port)).peer);
        const ours = await clientConnection(server, peer, `node ${major} client`);
        assert.equal(ours.socket.info.pskIdentity, IDENTITY);
        const secure = node!.reports().find((r) => r.event === 'secure');
        assert.ok(secure, `node ${major} reported its connection`);
        assert.equal(secure.protocol, 'TLSv1.3');
        assert.equal(secure.authorized, true, 'node:tls counts the PSK as our authentication');
      }),
    );
  }
});

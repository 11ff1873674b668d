// FTPS end to end (RFC 4217) against vsftpd started here: AUTH TLS, login over TLS, PBSZ 0 and
// PROT P, then LIST and a 1.5 MiB RETR over TLS data connections that resume the control
// connection's session, which vsftpd's require_ssl_reuse demands. The refusal of a data connection
// that does not resume shows the resumption is what lets the transfer through.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { connect } from '../../src/node/connect.js';
import { connectFtps, FtpsError } from '../../src/node/ftps.js';
import { serverMissing } from './helpers/libraries.js';
import { onceEvent } from './helpers/peers.js';
import { startVsftpd } from './helpers/starttls-servers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const big = randomBytes(1536 * 1024);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('FTPS client against vsftpd (require_ssl_reuse=YES, force_anon_data_ssl=YES)', { skip: serverMissing('vsftpd', 'vsftpd') }, () => {
  let vsftpd: Awaited<ReturnType<typeof startVsftpd>>;
  before(async () => {
    vsftpd = await startVsftpd(
      { certPem: pki.chainPem, keyPem: pki.keyPem, caPem: pki.caPem },
      { 'big.bin': big, 'hello.txt': Buffer.from('hello over FTPS\n') },
    );
  });
  after(async () => {
    await vsftpd?.stop();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: login, PBSZ 0, PROT P, LIST and a 1.5 MiB RETR over resumed TLS data connections`, async () => {
      const exchange: string[] = [];
      const ftp = await connectFtps({
        host: '127.0.0.1',
        port: vsftpd.ports.ftp,
        servername: 'localhost',
        ca: pki.caPem,
        minVersion: version,
        maxVersion: version,
        user: 'anonymous',
        password: 'tlskit@',
        onExchange: (d, t) => exchange.push(`${d === 'sent' ? 'C' : 'S'}: ${t}`),
      });
      try {
        assert.equal(ftp.control.getProtocol(), version);
        assert.equal(ftp.control.authorized, true);
        assert.match(
          exchange.join('\n'),
          /C: AUTH TLS\nS: 234 .*\nC: USER anonymous\nS: 331 .*\nC: PASS \*\*\*\*\nS: 230 .*\nC: PBSZ 0\nS: 200 .*\nC: PROT P\nS: 200 .*\nC: TYPE I\nS: 200 /,
        );

        const listing = await ftp.list();
        assert.match(listing, /^-rw-r--r-- .* 1572864 .* big\.bin\r?$/m);
        assert.match(listing, / hello\.txt\r?$/m);
        assert.equal(ftp.lastTransfer?.resumed, true, 'the LIST data connection resumed the control session');

        const bytes = await ftp.download('big.bin');
        assert.equal(bytes.length, big.length);
        assert.equal(sha256(bytes), sha256(big));
        assert.deepEqual(ftp.lastTransfer, { resumed: true, protocol: version, bytes: big.length });
        assert.equal((await ftp.download('hello.txt')).toString(), 'hello over FTPS\n');
        await ftp.quit();
      } finally {
        ftp.destroy();
      }
      assert.match(vsftpd.log(), new RegExp(`SSL version: ${version.replace('.', '\\.')}, SSL cipher: \\S+, reused`));
      assert.match(vsftpd.log(), /OK DOWNLOAD: Client "127\.0\.0\.1", "\/big\.bin", 1572864 bytes/);
    });
  }

  test('a data connection that does not resume the session is refused by vsftpd (522)', async () => {
    const ftp = await connectFtps({ host: '127.0.0.1', port: vsftpd.ports.ftp, servername: 'localhost', ca: pki.caPem, password: 'tlskit@' });
    try {
      // The transfer by hand, with a fresh TLS session on the data connection.
      const epsv = await ftp.command('EPSV');
      assert.equal(epsv.code, 229);
      const port = Number(/\(\|\|\|(\d+)\|\)/.exec(epsv.text)![1]);
      const raw = net.connect(port, '127.0.0.1');
      await onceEvent(raw, 'connect', 'data TCP connect');
      const data = connect({ socket: raw, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem });
      // Read it, so that its end is seen and answered: vsftpd waits for our close_notify before it replies.
      let received = 0;
      data.on('data', (chunk: Buffer) => (received += chunk.length));
      data.on('error', () => undefined);
      try {
        assert.equal((await ftp.command('RETR big.bin')).code, 150);
        const why = await ftp.nextReply();
        assert.equal(why.code, 522, vsftpd.log());
        assert.match(why.text, /session reuse required/);
        assert.equal(data.isSessionReused(), false);
        assert.equal(received, 0, 'not a byte of the file came');
        assert.match(vsftpd.log(), /No SSL session reuse on data channel/);
      } finally {
        data.destroy();
      }
    } finally {
      ftp.destroy();
    }
  });

  test('in plain words: a file that is not there; a certificate from another CA; CR LF in a path; operations queued', async () => {
    const ftp = await connectFtps({ host: '127.0.0.1', port: vsftpd.ports.ftp, servername: 'localhost', ca: pki.caPem });
    try {
      // A path cannot smuggle in a second command; operations started together run one at a time.
      await assert.rejects(ftp.download('hello.txt\r\nQUIT'), { name: 'TypeError', message: /without CR or LF/ });
      const [listing, hello] = await Promise.all([ftp.list(), ftp.download('hello.txt')]);
      assert.match(listing, / hello\.txt\r?$/m);
      assert.equal(hello.toString(), 'hello over FTPS\n');
      await assert.rejects(ftp.download('missing.bin'), (err: Error) => {
        assert.ok(err instanceof FtpsError, String(err));
        assert.match(err.message, /^the FTP server refused RETR: "550 Failed to open file\."$/);
        assert.equal(err.reply?.code, 550);
        return true;
      });
    } finally {
      ftp.destroy();
    }
    // A certificate from another CA: the control connection's handshake fails, nothing is sent in the clear.
    await assert.rejects(connectFtps({ host: '127.0.0.1', port: vsftpd.ports.ftp, servername: 'localhost', ca: createTestPki().caPem }), {
      alert: 'unknown_ca',
    });
  });
});

// Handshake steps in words: what the demo prints, one line (or a few) per step.
import { printableText } from '../x509/display.js';
import type { HandshakeStep } from '../engine/events.js';
import { parseCertificate, type Certificate } from '../x509/index.js';
import type { Style } from './style.js';

export type Side = 'client' | 'server';

function keyDescription(cert: Certificate): string {
  const k = cert.publicKey;
  switch (k.kind) {
    case 'ec':
      return `ECDSA ${k.curve}`;
    case 'rsa':
    case 'rsa-pss':
      return `${k.kind === 'rsa' ? 'RSA' : 'RSA-PSS'} ${k.bits}`;
    case 'ed25519':
      return 'Ed25519';
    default:
      return k.algorithm;
  }
}

export function describeCertificateLine(der: Uint8Array): string {
  try {
    const c = parseCertificate(der);
    const names = [...c.subjectAltNames.dns, ...c.subjectAltNames.ip].map(printableText);
    const san = names.length > 0 ? `, names ${names.join(' ')}` : '';
    return `${c.subject.text || '(empty subject)'} [${keyDescription(c)}${san}], issued by ${c.issuer.text}, valid until ${c.notAfter.toISOString().slice(0, 10)}`;
  } catch (err) {
    return `(unreadable certificate: ${(err as Error).message})`;
  }
}

const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');

/** Lines describing one step, seen by `side`, or none for steps not worth a line. */
export function describeStep(step: HandshakeStep, side: Side, s: Style): string[] {
  const arrow = (from: Side): string => (from === 'client' ? 'client → server' : 'server → client');
  switch (step.step) {
    case 'client-hello':
      return [
        `${s.cyan(arrow('client'))}  ${s.bold('ClientHello')}`,
        `                   versions        ${list(step.versions)}`,
        `                   cipher suites   ${list(step.cipherSuites)}`,
        `                   groups          ${list(step.groups)}${step.keyShares.length > 0 ? ` (key share sent for ${list(step.keyShares)})` : ''}`,
        `                   signatures      ${list(step.signatureSchemes)}`,
        ...(step.serverName ? [`                   server name     ${step.serverName}`] : []),
        ...(step.alpn.length > 0 ? [`                   ALPN            ${list(step.alpn)}`] : []),
      ];
    case 'server-hello':
      return side === 'server'
        ? [
            `${s.cyan(arrow('server'))}  ${s.bold('ServerHello')}: chose ${s.green(step.version)}, ${s.green(step.cipherSuite)}${step.group ? `, group ${s.green(step.group)}` : ''}${step.resumed ? ', resuming a session' : ''}`,
          ]
        : [];
    case 'hello-retry-request':
      return side === 'server' ? [`${s.cyan(arrow('server'))}  ${s.bold('HelloRetryRequest')}: send a key share for ${step.group ?? '?'}`] : [];
    case 'key-exchange':
      return [
        `${s.dim(`${side.padEnd(15)}`)}  key exchange ${step.group}: our ${step.ourShareBytes}-byte share, peer's ${step.peerShareBytes}-byte share → shared secret`,
      ];
    case 'rsa-key-transport':
      return [
        step.side === 'client'
          ? `${s.dim(`${side.padEnd(15)}`)}  RSA key transport: a random 48-byte premaster secret, encrypted to the server's RSA key (${step.ciphertextBytes} bytes)`
          : `${s.dim(`${side.padEnd(15)}`)}  RSA key transport: premaster secret decrypted (padding checked in constant time)`,
      ];
    case 'keys':
      return [`${s.dim(`${side.padEnd(15)}`)}  ${step.epoch} keys for ${step.direction === 'read' ? 'reading' : 'writing'} (${step.aead})`];
    case 'encrypted-extensions':
      return side === 'server'
        ? [
            `${s.cyan(arrow('server'))}  ${s.bold('EncryptedExtensions')}${step.alpn ? `: ALPN ${step.alpn}` : ''}${step.serverNameAcknowledged ? ', server name used' : ''}`,
          ]
        : [];
    case 'certificate': {
      if (side !== step.side) return [];
      const lines = [
        `${s.cyan(arrow(step.side))}  ${s.bold('Certificate')}: ${step.certificates.length} certificate${step.certificates.length === 1 ? '' : 's'}`,
      ];
      step.certificates.forEach((der, i) => lines.push(`                   ${i === 0 ? 'leaf' : `#${i}  `}  ${describeCertificateLine(der)}`));
      return lines;
    }
    case 'certificate-validation':
      return [`${s.dim(`${side.padEnd(15)}`)}  ${step.ok ? s.green('✓ chain validated') : s.red('✗ chain rejected')}: ${step.detail}`];
    case 'certificate-verify':
      return side === step.side
        ? [`${s.cyan(arrow(step.side))}  ${s.bold('CertificateVerify')}: signed the transcript with ${step.scheme}`]
        : [`${s.dim(`${side.padEnd(15)}`)}  ${s.green('✓')} ${step.side}'s signature (${step.scheme}) verifies with its certificate's key`];
    case 'finished':
      return side === step.side
        ? [`${s.cyan(arrow(step.side))}  ${s.bold('Finished')}: MAC over the whole handshake`]
        : [`${s.dim(`${side.padEnd(15)}`)}  ${s.green('✓')} ${step.side}'s Finished matches: the handshake was not tampered with`];
    case 'complete':
      return [`${s.dim(`${side.padEnd(15)}`)}  ${s.green('handshake complete')}: ${step.version}, ${step.cipherSuite}`];
  }
}

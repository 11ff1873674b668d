// RFC 8446 §4.6: after the handshake. KeyUpdate both ways; NewSessionTicket on the client.
import { TlsError } from '../../errors.js';
import type { Secret } from '../../crypto/secret.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { buildKeyUpdate, readKeyUpdate } from '../../messages/key-update.js';
import { readNewSessionTicket13, type NewSessionTicket13 } from '../../messages/new-session-ticket.js';
import type { CipherSuite } from '../../protocol/cipher-suites.js';
import { HandshakeType, handshakeTypeName } from '../../protocol/constants.js';
import { nextTrafficSecret } from '../key-schedule.js';
import { wipeAll, type HandshakeIO, type HandshakeState, type Next } from '../state.js';
import { tls13Protection } from './traffic.js';
import type { ConnectedState } from '../../engine/connection.js';

export interface Connected13Secrets {
  readonly suite: CipherSuite;
  readonly readSecret: Secret;
  readonly writeSecret: Secret;
  readonly resumptionMasterSecret?: Secret;
}

export class Connected13 implements ConnectedState {
  readonly kind = 'connected-tls13';
  readonly connected = true;

  constructor(
    private readonly side: 'client' | 'server',
    private readonly secrets: Connected13Secrets,
    private readonly onTicket?: (ticket: NewSessionTicket13, resumptionMasterSecret: Secret) => void,
  ) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    switch (msg.type) {
      case HandshakeType.key_update:
        return this.receiveKeyUpdate(msg, io);
      case HandshakeType.new_session_ticket:
        // RFC 8446 §4.6.1: only servers send tickets.
        if (this.side !== 'client') break;
        {
          const ticket = readNewSessionTicket13(msg);
          if (this.onTicket && this.secrets.resumptionMasterSecret) this.onTicket(ticket, this.secrets.resumptionMasterSecret);
        }
        return this;
      default:
        break;
    }
    throw new TlsError('unexpected_message', `peer sent ${handshakeTypeName(msg.type)} after the handshake`);
  }

  wipe(): void {
    wipeAll(this.secrets.readSecret, this.secrets.writeSecret, this.secrets.resumptionMasterSecret);
  }

  private receiveKeyUpdate(msg: HandshakeMessage, io: HandshakeIO): HandshakeState {
    const requested = readKeyUpdate(msg);
    // RFC 8446 §4.6.3: switch our read keys now; the next record from the peer uses the new ones.
    const readSecret = nextTrafficSecret(io.provider, this.secrets.suite.hash, this.secrets.readSecret);
    io.setReadKeys(tls13Protection(io.provider, this.secrets.suite, readSecret), 'application');
    this.secrets.readSecret.wipe();
    const next = new Connected13(this.side, { ...this.secrets, readSecret }, this.onTicket);
    // RFC 8446 §4.6.3: a request is answered with our own KeyUpdate (update_not_requested).
    return requested ? next.updateKeys(io, false) : next;
  }

  updateKeys(io: HandshakeIO, requestPeerUpdate: boolean): HandshakeState {
    io.send(buildKeyUpdate(requestPeerUpdate));
    const writeSecret = nextTrafficSecret(io.provider, this.secrets.suite.hash, this.secrets.writeSecret);
    io.setWriteKeys(tls13Protection(io.provider, this.secrets.suite, writeSecret), 'application');
    this.secrets.writeSecret.wipe();
    return new Connected13(this.side, { ...this.secrets, writeSecret }, this.onTicket);
  }
}

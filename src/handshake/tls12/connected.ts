// TLS 1.2 after the handshake: no renegotiation (RFC 5746 is sent and checked, but a renegotiation
// request is answered with a no_renegotiation warning, RFC 5246 §7.4.1.1 / §7.2.2).
import { TlsError } from '../../errors.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { readHelloRequest } from '../../messages/tls12.js';
import { AlertDescription } from '../../protocol/alerts.js';
import { HandshakeType, handshakeTypeName } from '../../protocol/constants.js';
import type { ConnectedState, HandshakeIO, HandshakeState, Next } from '../state.js';

export class Connected12 implements ConnectedState {
  readonly kind = 'connected-tls12';
  readonly connected = true;

  constructor(private readonly side: 'client' | 'server') {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    if (this.side === 'client' && msg.type === HandshakeType.hello_request) {
      readHelloRequest(msg);
      io.sendWarningAlert(AlertDescription.no_renegotiation);
      return this;
    }
    if (this.side === 'server' && msg.type === HandshakeType.client_hello) {
      io.sendWarningAlert(AlertDescription.no_renegotiation);
      return this;
    }
    throw new TlsError('unexpected_message', `peer sent ${handshakeTypeName(msg.type)} after the handshake`);
  }

  updateKeys(): HandshakeState {
    throw new TlsError('internal_error', 'key update is a TLS 1.3 feature; this connection is TLS 1.2');
  }
}

// PostgreSQL (protocol §55.2.10): SSLRequest, answered by one byte, 'S' (go ahead with TLS) or 'N'.
import { StartTlsError, type Conversation } from './conversation.js';

// SSLRequest: Int32 length 8, Int32 code 80877103.
const SSL_REQUEST = Uint8Array.of(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f);

export function postgres(): Conversation {
  return {
    start: () => ({ bytes: SSL_REQUEST, text: 'SSLRequest' }),
    next(buffered) {
      if (buffered.length === 0) return { kind: 'need-more' };
      const answer = buffered[0]!;
      if (answer === 0x53) return { kind: 'done', consumed: 1, received: ["'S': the server is willing to start TLS"] };
      if (answer === 0x4e) throw new StartTlsError("the PostgreSQL server answered the SSLRequest with 'N': it does not accept TLS (ssl = off)");
      if (answer === 0x45) throw new StartTlsError('the PostgreSQL server answered the SSLRequest with an error message (a server older than 7.2?)');
      throw new StartTlsError(`the server's answer to an SSLRequest is not PostgreSQL's (first byte 0x${answer.toString(16).padStart(2, '0')})`);
    },
  };
}

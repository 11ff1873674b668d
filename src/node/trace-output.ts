// enableTrace() for a TLSSocket: the handshake messages decoded by HandshakeTracer, alerts and key
// changes, one line each, in tlskit's own words (node:tls prints OpenSSL's SSL_trace format instead).
import type { EventEmitter } from 'node:events';
import type { TlsEvent } from '../engine/events.js';
import { HandshakeTracer, type TraceField } from '../engine/trace.js';
import { alertName } from '../protocol/alerts.js';

/** Prints the 'tlsEvent's of `socket` from now on through `out`. */
export function startTrace(socket: EventEmitter, side: 'client' | 'server', out: (line: string) => void): void {
  const tracer = new HandshakeTracer();
  const prefix = `tlskit trace (${side}):`;
  const fields = (list: readonly TraceField[], indent: number): void => {
    for (const f of list) {
      out(`${prefix}${' '.repeat(indent)}${f.name}: ${f.value}`);
      if (f.fields) fields(f.fields, indent + 2);
    }
  };
  socket.on('tlsEvent', (event: TlsEvent) => {
    switch (event.kind) {
      case 'handshake-message': {
        const m = tracer.decode(event);
        out(`${prefix} ${m.direction === 'sent' ? 'Sent' : 'Received'} ${m.name} (${m.length} bytes)`);
        if (m.error) out(`${prefix}   could not decode: ${m.error}`);
        fields(m.fields, 3);
        return;
      }
      case 'alert':
        out(`${prefix} ${event.direction === 'sent' ? 'Sent' : 'Received'} alert: ${event.level === 2 ? 'fatal' : 'warning'} ${alertName(event.description)}`);
        return;
      case 'step':
        if (event.step === 'keys') out(`${prefix} ${event.epoch} keys for ${event.direction === 'write' ? 'sending' : 'receiving'} (${event.aead})`);
        else if (event.step === 'certificate-validation') out(`${prefix} peer certificate ${event.ok ? 'validated' : 'NOT valid'}: ${event.detail}`);
        return;
    }
  });
}

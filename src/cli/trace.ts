// `--trace`: every handshake message as it goes by, with its direction, type, length and decoded
// fields (src/engine/trace.ts), plus alerts and the points where keys change. Lines go to `out`.
import type { TlsEvent } from '../engine/events.js';
import { HandshakeTracer, type TraceField, type TracedMessage } from '../engine/trace.js';
import { alertName } from '../protocol/alerts.js';
import type { Side } from './steps.js';
import type { Style } from './style.js';

const other = (side: Side): Side => (side === 'client' ? 'server' : 'client');

export class TracePrinter {
  private readonly tracer = new HandshakeTracer();
  /** Whether our sending / receiving direction is protected yet. */
  private writeProtected = false;
  private readProtected = false;

  constructor(
    private readonly side: Side,
    private readonly out: (line: string) => void,
    private readonly s: Style,
    /** Put before every line, e.g. a connection number on a server. */
    private readonly prefix = '',
  ) {}

  event(event: TlsEvent): void {
    switch (event.kind) {
      case 'handshake-message':
        this.message(this.tracer.decode(event));
        return;
      case 'alert': {
        const from = event.direction === 'sent' ? this.side : other(this.side);
        const level = event.level === 2 ? 'fatal' : event.level === 1 ? 'warning' : `level ${event.level}`;
        const text = `${this.arrow(from)}  Alert: ${level} ${alertName(event.description)}`;
        this.line(event.description === 0 ? this.s.bold(text) : this.s.red(text));
        return;
      }
      case 'step':
        if (event.step === 'keys') {
          if (event.direction === 'write') this.writeProtected = true;
          else this.readProtected = true;
          this.line(
            this.s.dim(
              `${' '.repeat(17)}-- ${event.epoch} keys now protect what the ${event.direction === 'write' ? this.side : other(this.side)} sends (${event.aead})`,
            ),
          );
        } else if (event.step === 'certificate-validation') {
          this.line(`${' '.repeat(17)}${event.ok ? this.s.green('certificate chain validated') : this.s.red('certificate chain NOT valid')}: ${event.detail}`);
        }
        return;
    }
  }

  private arrow(from: Side): string {
    return this.s.cyan(from === 'client' ? 'client → server' : 'server → client');
  }

  private line(text: string): void {
    this.out(`${this.prefix}${text}`);
  }

  private message(m: TracedMessage): void {
    const from = m.direction === 'sent' ? this.side : other(this.side);
    const encrypted = m.direction === 'sent' ? this.writeProtected : this.readProtected;
    this.line(`${this.arrow(from)}  ${this.s.bold(m.name)} (${m.length} bytes${encrypted ? ', encrypted' : ''})`);
    if (m.error) this.line(`    ${this.s.red(`could not decode: ${m.error}`)}`);
    this.fields(m.fields, 4);
  }

  private fields(fields: readonly TraceField[], indent: number): void {
    const width = Math.max(0, ...fields.map((f) => f.name.length));
    for (const f of fields) {
      this.line(`${' '.repeat(indent)}${f.name.padEnd(width)}  ${f.value}`);
      if (f.fields) this.fields(f.fields, indent + 2);
    }
  }
}

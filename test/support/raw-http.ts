import { connect, type Socket } from 'node:net';

/**
 * A raw HTTP/1.1 client connection for the soak and the seeded requests test: writes bytes as they are (so framing can be
 * wrong on purpose) and reads responses off the socket in order (so requests can be pipelined).
 * Only what the soak needs: the status of each response and the start of its body.
 */

/** One response: its status and the first bytes of its body. */
export interface RawResponse {
  readonly status: number;
  readonly bodyStart: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Reads one response off the front of `buf`: the response and the bytes it took, or undefined when more bytes are needed. */
export function readResponse(buf: Buffer, headOnly: boolean): { response: RawResponse; used: number } | undefined {
  const end = buf.indexOf(HEAD_END);
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
  const header = (name: string) => head.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
  let at = end + 4;
  // An interim answer (`100 Continue`, which Node sends to any `Expect: 100-continue`) comes before the request's own.
  if (status >= 100 && status < 200 && status !== 101) {
    const final = readResponse(buf.subarray(at), headOnly);
    return final === undefined ? undefined : { response: final.response, used: at + final.used };
  }
  if (headOnly || status === 204 || status === 304 || status === 101) return { response: { status, bodyStart: '' }, used: at };
  if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const line = buf.indexOf('\r\n', at);
      if (line < 0) return undefined;
      const size = parseInt(buf.subarray(at, line).toString('latin1'), 16);
      if (buf.length < line + 2 + size + 2) return undefined;
      if (size === 0) {
        // No trailers are sent by the server.
        return { response: { status, bodyStart: Buffer.concat(parts).subarray(0, 300).toString('utf8') }, used: line + 4 };
      }
      if (parts.length < 2) parts.push(buf.subarray(line + 2, line + 2 + size));
      at = line + 2 + size + 2;
    }
  }
  const length = Number(header('content-length') ?? 0);
  if (buf.length < at + length) return undefined;
  return { response: { status, bodyStart: buf.subarray(at, Math.min(at + length, at + 300)).toString('utf8') }, used: at + length };
}

/** A connection that hands out responses in order; `closed` once the server has closed it. */
export class RawConnection {
  readonly #socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;
  readonly #waiting: { resolve: (r: RawResponse | undefined) => void; headOnly: boolean }[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      this.#drain();
    });
    const close = () => {
      this.#closed = true;
      for (const w of this.#waiting.splice(0)) w.resolve(undefined);
    };
    socket.on('close', close);
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: Buffer): void {
    if (!this.#closed) this.#socket.write(bytes);
  }

  /** Says no more will be sent (a half-close); the server may still answer. */
  end(): void {
    if (!this.#closed) this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** The next response, or undefined when the connection closes first. */
  next(headOnly = false): Promise<RawResponse | undefined> {
    if (this.#closed && this.#buf.length === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiting.push({ resolve, headOnly });
      this.#drain();
      if (this.#closed) for (const w of this.#waiting.splice(0)) w.resolve(undefined);
    });
  }

  #drain(): void {
    while (this.#waiting.length > 0) {
      const w = this.#waiting[0];
      if (w === undefined) return;
      const got = readResponse(this.#buf, w.headOnly);
      if (got === undefined) return;
      this.#buf = this.#buf.subarray(got.used);
      this.#waiting.shift();
      w.resolve(got.response);
    }
  }
}

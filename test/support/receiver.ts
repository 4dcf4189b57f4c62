import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the receiver answers the next request: a status (with headers), or holding it until `release()`. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A webhook receiver on loopback over real HTTP: records every request and answers from a script
 * (then 200). It can be stopped and started again on the same port, as a receiver that goes down.
 */
export class Receiver {
  readonly received: Received[] = [];
  readonly script: Answer[] = [];
  #server: Server | undefined;
  #port = 0;
  readonly #hung: (() => void)[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks/T000/B000/secret-token`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = this.script.shift() ?? { status: 200 };
        if (answer === 'hang') {
          this.#hung.push(() => res.end('late'));
          return;
        }
        res.writeHead(answer.status, answer.headers);
        res.end(answer.status < 300 ? 'ok' : `error ${answer.status}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Answers the requests held by `hang`. */
  release(): void {
    for (const f of this.#hung.splice(0)) f();
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s === undefined) return;
    this.release();
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The JSON bodies received. */
  bodies<T = Record<string, unknown>>(): T[] {
    return this.received.map((r) => JSON.parse(r.body) as T);
  }
}

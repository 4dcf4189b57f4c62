import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that a test can cut and restore, to take a server (PostgreSQL) away
 * from the app without stopping it for everyone else. Cut: every open connection is destroyed and
 * new ones are accepted and dropped at once (the client sees its connection terminated). Restore:
 * connections are forwarded again.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Socket>();
  #cut = false;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      if (this.#cut) {
        client.destroy();
        return;
      }
      const upstream = connect(target.port, target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.#pairs.add(a);
        a.on('close', () => {
          this.#pairs.delete(a);
          b.destroy();
        });
        a.on('error', () => b.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  }

  /** Listens on an ephemeral port of 127.0.0.1, forwarding to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.#pairs.size / 2;
  }

  /** Destroys every connection and refuses new ones until {@link restore}. */
  cut(): void {
    this.#cut = true;
    for (const s of this.#pairs) s.destroy();
  }

  /** Forwards new connections again. */
  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

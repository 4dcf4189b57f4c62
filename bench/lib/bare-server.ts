import { createServer, request, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fixed HTTP answer: headers and body bytes. */
export interface FixedResponse {
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/** A running bare server; `answer` swaps the response it gives to every request. */
export interface BareServer {
  readonly url: string;
  answer(response: FixedResponse): void;
  close(): Promise<void>;
}

/**
 * The baseline for HTTP figures: `node:http` answering every request with the same bytes, no
 * routing, no parsing, no negotiation, the least work a Node server can do for the answer.
 * `keepAliveTimeout` should match the server it stands beside so even the Keep-Alive header is equal.
 */
export async function startBareServer(options: { keepAliveTimeout: number }): Promise<BareServer> {
  let current: FixedResponse = { headers: { 'content-length': 0 }, body: Buffer.alloc(0) };
  const server = createServer((_request, response) => {
    response.writeHead(200, current.headers);
    response.end(current.body);
  });
  server.keepAliveTimeout = options.keepAliveTimeout;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer(response) {
      current = response;
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
      }),
  };
}

/** GETs `url` and returns the raw answer (no decompression) with the headers a bare server should repeat. */
export function fetchRaw(url: string, headers: Record<string, string> = {}): Promise<FixedResponse & { status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        // Date, Connection and Keep-Alive are added by node:http on both sides; the rest is repeated.
        const kept: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined && !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) kept[name] = value;
        }
        kept['content-length'] = body.length;
        resolve({ status: res.statusCode ?? 0, headers: kept, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { WatchStatusError, openWatchSession } from '../../src/kube/watch-session.js';

// The session on its own, against a plain HTTP server that writes exactly the bytes each case
// needs (the fake API server always ends lines and chunks neatly).

let server: http.Server | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** A server answering every request with `answer`; returns a kubeconfig pointing at it. */
async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<KubeConfig> {
  server = http.createServer(answer);
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

interface Outcome {
  opened: boolean;
  events: string[];
  err: unknown;
  ends: number;
}

/** Opens a session and waits for it to end; `whileOpen` runs once the headers are in. */
async function watch(kc: KubeConfig, whileOpen?: (abort: () => void) => void): Promise<Outcome> {
  const out: Outcome = { opened: false, events: [], err: undefined, ends: 0 };
  const session = openWatchSession(
    kc,
    '/apis/apps/v1/deployments',
    { resourceVersion: '7', allowWatchBookmarks: true, timeoutSeconds: 300 },
    {
      onOpen: () => {
        out.opened = true;
        whileOpen?.(() => session.abort());
      },
      onEvent: (type, object) => out.events.push(`${type} ${JSON.stringify(object)}`),
      onEnd: (err) => {
        out.err = err;
        out.ends++;
      },
    },
  );
  await session.ended;
  return out;
}

describe('a watch session over node:http', () => {
  it('sends the query and the kubeconfig credentials, and reads events split anyhow across chunks', async () => {
    let seen: { url: string | undefined; auth: string | undefined } | undefined;
    const kc = await serve((req, res) => {
      seen = { url: req.url, auth: req.headers.authorization };
      res.writeHead(200, { 'content-type': 'application/json' });
      const bytes = Buffer.from('{"type":"ADDED","object":{"n":"é"}}\nnot json\n{"type":"BOOKMARK","object":{"rv":"9"}}\n{"type":"DELETED","object":{}}');
      res.write(bytes.subarray(0, 30));
      res.write(bytes.subarray(30, 50));
      res.end(bytes.subarray(50));
    });
    const out = await watch(kc);
    expect(seen).toEqual({ url: '/apis/apps/v1/deployments?watch=true&resourceVersion=7&allowWatchBookmarks=true&timeoutSeconds=300', auth: 'Bearer secret-token' });
    expect(out).toEqual({ opened: true, events: ['ADDED {"n":"é"}', 'BOOKMARK {"rv":"9"}', 'DELETED {}'], err: null, ends: 1 });
  });

  it('ends with the HTTP status, as client-node reported it, when the answer is not 200', async () => {
    const kc = await serve((_req, res) => {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end('{"kind":"Status","code":410,"reason":"Gone"}');
    });
    const out = await watch(kc);
    expect(out.opened).toBe(false);
    expect(out.err).toBeInstanceOf(WatchStatusError);
    expect(out.err).toMatchObject({ statusCode: 410, message: 'Gone' });
  });

  it('ends with an error, not cleanly, when the connection drops mid-stream, and drops the cut line', async () => {
    const kc = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{}}\n{"type":"MODIF');
      setImmediate(() => req.socket.destroy());
    });
    const out = await watch(kc);
    expect(out.events).toEqual(['ADDED {}']);
    expect(out.err).toMatchObject({ message: 'Premature close' });
    expect(out.ends).toBe(1);
  });

  it('ends once, with an error, when aborted while the stream is open', async () => {
    const kc = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{}}\n');
    });
    const out = await watch(kc, (abort) => abort());
    expect(out.opened).toBe(true);
    expect(out.err).toBeInstanceOf(Error);
    expect(out.ends).toBe(1);
  });
});

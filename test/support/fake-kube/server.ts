import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Clock } from '../../../src/clock.js';
import { systemClock } from '../../../src/clock.js';
import type { ExpiredMode, FaultTarget } from './faults.js';
import { FakeFaults } from './faults.js';
import { handleRequest } from './handle-request.js';
import type { HandlerContext } from './handle-request.js';
import { Lister } from './list.js';
import type { RecordedRequest } from './requests.js';
import { describeRequest } from './requests.js';
import type { FakeResource } from './resources.js';
import { DEFAULT_RESOURCES, resourceKey } from './resources.js';
import { FakeStore } from './store.js';
import type { FakeWrite } from './managed-fields.js';
import { mergeInto } from './apply-merge.js';
import { applyObject, scaleObject } from './write-ops.js';
import type { FakeLogEntry, FakeObject, NewFakeObject } from './types.js';
import type { WatchStream } from './watch-stream.js';

/** How to build a fake API server; every field has a default. */
export interface FakeKubeOptions {
  /** Kinds served; default {@link DEFAULT_RESOURCES}. */
  resources?: readonly FakeResource[];
  /** Drives watch `timeoutSeconds`; default the system clock. */
  clock?: Clock;
  /** Event history kept before the floor rises on its own (etcd compaction); default 200,000. */
  maxLogEntries?: number;
  /** Stamps `creationTimestamp` (to the second) of created objects; default the wall clock. */
  creationClock?: Pick<Clock, 'nowMs'>;
  /** Makes the `uid` of created objects; default random (`crypto.randomUUID`). */
  uid?: () => string;
  /** Serve HTTPS, as an API server does; default plain HTTP. */
  tls?: FakeKubeTls;
  /**
   * When set, a request is answered only if it carries `Authorization: Bearer <token>` or (over
   * TLS) a client certificate `tls.clientCa` signed; any other gets kube-apiserver's 401. Unset
   * (and no `clientCa`), every request is answered.
   */
  token?: string;
  /**
   * Sends every watch that allowed bookmarks a BOOKMARK at the current resourceVersion this often
   * (on `clock`), as kube-apiserver's watch cache does about once a minute; default never (tests
   * send them with {@link FakeKubeServer.sendBookmark}). The demo sets it, so its quiet watches stay
   * alive as they would against a real API server.
   */
  bookmarkEveryMs?: number;
}

/** The fake's TLS, as kube-apiserver's `--tls-cert-file`, `--tls-private-key-file` and `--client-ca-file`. */
export interface FakeKubeTls {
  readonly cert: string;
  readonly key: string;
  /** The CA whose client certificates authenticate; a request without one must then bring the token. */
  readonly clientCa?: string;
}

/** kube-apiserver's answer to a request it cannot authenticate. */
const UNAUTHORIZED = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });

/**
 * A Kubernetes API server on 127.0.0.1 that speaks the list/watch protocol over real HTTP, with a
 * test API to change objects and knobs to inject the failures real clusters produce.
 */
export class FakeKubeServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #streams = new Set<WatchStream>();
  readonly #requests: RecordedRequest[] = [];
  readonly #resources: readonly FakeResource[];
  readonly #lister: Lister;
  #port = 0;
  #listening = false;
  readonly #tls: boolean;
  #connectionsOpened = 0;
  /** The objects and history; exposed for tests that need the raw rv numbers. */
  readonly store: FakeStore;
  /** Knobs that change how the next requests are answered. */
  readonly faults = new FakeFaults();

  private constructor(opts: FakeKubeOptions) {
    this.#resources = opts.resources ?? DEFAULT_RESOURCES;
    const creationClock = opts.creationClock;
    this.store = new FakeStore({
      ...(opts.maxLogEntries !== undefined && { maxLogEntries: opts.maxLogEntries }),
      ...(opts.uid !== undefined && { uid: opts.uid }),
      ...(creationClock !== undefined && { now: () => new Date(creationClock.nowMs()).toISOString().replace(/\.\d+Z$/, 'Z') }),
    });
    this.#lister = new Lister(this.store);
    const ctx: HandlerContext = {
      resources: this.#resources,
      store: this.store,
      lister: this.#lister,
      faults: this.faults,
      clock: opts.clock ?? systemClock(),
      ...(opts.bookmarkEveryMs !== undefined && { bookmarkEveryMs: opts.bookmarkEveryMs }),
      lines: new WeakMap<FakeLogEntry, string>(),
      streams: this.#streams,
      serverAddress: () => `127.0.0.1:${this.#port}`,
    };
    const tls = opts.tls;
    this.#tls = tls !== undefined;
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), verb: 'other' };
      if (req.headers['content-type'] !== undefined) rec.contentType = req.headers['content-type'];
      if (req.headers['user-agent'] !== undefined) rec.userAgent = req.headers['user-agent'];
      this.#requests.push(rec);
      const user = authenticate(req, opts.token, tls?.clientCa !== undefined);
      if (user === null) {
        rec.status = 401;
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(UNAUTHORIZED);
        return;
      }
      if (user !== undefined) rec.user = user;
      try {
        handleRequest(ctx, req, res, rec);
      } catch (err) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, reason: 'InternalError', message: String(err) }));
      }
      // A write (or an Event's create) answers once its body is read: its status is recorded when it is sent.
      rec.status = res.statusCode;
      res.once('finish', () => (rec.status = res.statusCode));
    };
    // Client certificates are asked for and checked here, not by the handshake: without one, the token may still do.
    this.#server =
      tls === undefined
        ? createServer(onRequest)
        : createTlsServer({ cert: tls.cert, key: tls.key, ...(tls.clientCa !== undefined && { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }) }, onRequest);
    this.#server.on('connection', (s) => {
      this.#connectionsOpened++;
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  /** Starts a fake on 127.0.0.1 and an ephemeral port. */
  static async start(opts: FakeKubeOptions = {}): Promise<FakeKubeServer> {
    const fake = new FakeKubeServer(opts);
    await fake.restart();
    return fake;
  }

  /** `http://127.0.0.1:<port>`, or `https://` when it serves TLS. */
  get url(): string {
    return `${this.#tls ? 'https' : 'http'}://127.0.0.1:${this.#port}`;
  }

  /** The port, kept across stop() and restart(). */
  get port(): number {
    return this.#port;
  }

  /** (Re)opens the listening socket, on the same port as before once there was one. */
  async restart(): Promise<void> {
    if (this.#listening) return;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
  }

  /** Stops listening and kills every connection: clients now get ECONNREFUSED until restart(). */
  async stop(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }

  /** Stops for good; the same as stop(), named for afterEach. */
  async close(): Promise<void> {
    await this.stop();
  }

  // ---- the test API: objects -------------------------------------------------------------

  /** The configured resource named by plural (`deployments`) or group/plural (`apps/deployments`). */
  resource(name: string): FakeResource {
    const r = this.#resources.find((x) => x.plural === name || resourceKey(x) === name);
    if (r === undefined) throw new Error(`the fake serves no resource "${name}"`);
    return r;
  }

  /**
   * Creates an object; returns it as stored (uid, resourceVersion, generation, creationTimestamp
   * set). With `write`, managedFields say who created it (`kubectl-create`, `helm`…), as the API
   * server writes them; without, the object has none (as one stored before 1.18).
   */
  create(resource: string, obj: NewFakeObject, write?: FakeWrite): FakeObject {
    return this.store.create(this.resource(resource), obj, write);
  }

  /** Changes an object through `mutate` on a copy; returns the new version. `write` as for create(). */
  update(resource: string, namespace: string | undefined, name: string, mutate: (draft: FakeObject) => void, write?: FakeWrite): FakeObject {
    return this.store.update(this.resource(resource), namespace, name, mutate, write);
  }

  /**
   * Server-side apply (`kubectl apply --server-side --field-manager=<manager> --force-conflicts`,
   * or a PATCH of type apply with `fieldManager`): creates the object or merges `config` into it
   * (maps merged, lists of named items merged by name, other values replaced); the manager's
   * Apply entry holds the fields `config` names.
   */
  apply(resource: string, config: NewFakeObject, manager: string): FakeObject {
    const done = applyObject(this.store, this.resource(resource), config, manager, true);
    if (!done.ok) throw new Error('a forced apply has no conflicts');
    return done.obj;
  }

  /**
   * Client-side apply (`kubectl apply`): the configuration is recorded in the
   * `kubectl.kubernetes.io/last-applied-configuration` annotation, and the create or update is
   * written by `kubectl-client-side-apply` (operation Update).
   */
  clientSideApply(resource: string, config: NewFakeObject): FakeObject {
    const r = this.resource(resource);
    const annotated = structuredClone(config);
    const last = JSON.stringify({ apiVersion: r.group === '' ? r.version : `${r.group}/${r.version}`, kind: r.kind, ...config });
    annotated.metadata.annotations = { ...config.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${last}\n` };
    const write: FakeWrite = { manager: 'kubectl-client-side-apply' };
    if (this.store.get(r, config.metadata.namespace, config.metadata.name) === undefined) return this.store.create(r, annotated, write);
    return this.store.update(r, config.metadata.namespace, config.metadata.name, (d) => mergeInto(d, annotated), write);
  }

  /** Sets `spec.replicas` through the `scale` subresource, as `kubectl scale` (manager `kubectl`) or an HPA (`kube-controller-manager`) does. */
  scale(resource: string, namespace: string, name: string, replicas: number, manager = 'kubectl'): FakeObject {
    return scaleObject(this.store, this.resource(resource), namespace, name, replicas, manager);
  }

  /** Deletes an object; returns the object the DELETED event carries. */
  delete(resource: string, namespace: string | undefined, name: string): FakeObject {
    return this.store.delete(this.resource(resource), namespace, name);
  }

  /**
   * Deletes an object while no watch of its resource is open (throws if one is), then by default
   * compacts history so that no reconnecting watch can replay the DELETED: only a relist finds it.
   */
  deleteUnwatched(resource: string, namespace: string | undefined, name: string, opts: { compact?: boolean } = {}): FakeObject {
    const open = this.openWatches(resource);
    if (open > 0) throw new Error(`deleteUnwatched: ${open} watch(es) of ${resource} are still open`);
    const deleted = this.delete(resource, namespace, name);
    if (opts.compact ?? true) this.compact();
    return deleted;
  }

  /** Deletes and creates again under the same name: a new uid, as `kubectl replace --force` does. */
  recreate(resource: string, namespace: string | undefined, name: string, mutate: (draft: FakeObject) => void = () => undefined): FakeObject {
    const old = this.delete(resource, namespace, name);
    const draft = structuredClone(old);
    mutate(draft);
    const { uid: _uid, resourceVersion: _rv, generation: _g, creationTimestamp: _c, ...meta } = draft.metadata;
    return this.create(resource, { ...draft, metadata: { ...meta, name } });
  }

  /** One object as stored, or undefined. */
  get(resource: string, namespace: string | undefined, name: string): FakeObject | undefined {
    return this.store.get(this.resource(resource), namespace, name);
  }

  // ---- the test API: requests ------------------------------------------------------------

  /** Every request received, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** List and watch requests of one resource in short form (`list`, `watch rv=5 → ERROR 410`). */
  calls(resource: string): string[] {
    const plural = this.resource(resource).plural;
    return this.#requests.filter((r) => r.resource === plural && (r.verb === 'list' || r.verb === 'watch')).map(describeRequest);
  }

  /** Forgets the recorded requests. */
  clearRequests(): void {
    this.#requests.length = 0;
  }

  // ---- the test API: knobs on open connections -------------------------------------------

  /** TCP connections open now, of any request: 0 once every client has closed its sockets. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** TCP connections accepted since start, closed or not (over TLS, each one a handshake). */
  get connectionsOpened(): number {
    return this.#connectionsOpened;
  }

  /** Watch streams open now (for one resource, or all). */
  openWatches(resource?: string): number {
    return this.#select(resource).length;
  }

  /** Destroys the sockets of open watches mid-stream: a premature close, no terminating chunk. */
  dropWatches(resource?: string): number {
    const streams = this.#select(resource);
    for (const s of streams) s.drop();
    return streams.length;
  }

  /** Ends open watches cleanly, as a server-side `timeoutSeconds` does. */
  endWatches(resource?: string): number {
    const streams = this.#select(resource);
    for (const s of streams) s.end();
    return streams.length;
  }

  /** Sends a BOOKMARK at the current rv to every open watch that allowed bookmarks; returns how many got one. */
  sendBookmark(resource?: string): number {
    let sent = 0;
    for (const s of this.#select(resource)) if (s.bookmark(this.store.currentRv)) sent++;
    return sent;
  }

  /**
   * Resolves once open watches of a resource (or all) have handed every event written so far to
   * the kernel: what a benchmark calls sent. Streaming in batches and awaiting this between them
   * sends as fast as the clients read, without piling events up in the fake's memory.
   */
  async watchesFlushed(resource?: string): Promise<void> {
    await Promise.all(this.#select(resource).map((s) => s.flushed()));
  }

  /** Writes a raw event to open watches of a resource, e.g. a MODIFIED without a new rv. */
  injectEvent(resource: string, type: string, object: unknown): void {
    for (const s of this.#select(resource)) s.inject(type, object);
  }

  // ---- the test API: knobs on history and on the next requests ---------------------------

  /** Raises the compaction floor (default: to now): watches from an older rv get 410, as do their continue tokens. */
  compact(rv?: number): void {
    this.store.compact(rv);
  }

  /** Makes every outstanding continue token answer 410 Expired. */
  expireContinueTokens(): void {
    this.#lister.expireTokens();
  }

  /**
   * Answers the next `count` matching requests with HTTP `status` and a Status body. Target
   * `continue` hits only list pages after the first; a 410 there expires the token for real.
   * `resource` (a plural, e.g. `deployments`) limits it to that resource's requests.
   */
  failNext(count: number, status: number, target: FaultTarget = 'any', resource?: string): void {
    this.faults.failNext(count, status, target, resource);
  }

  /** Drops the failures queued by {@link failNext} that have not happened yet. */
  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * New watches go silent until turned off (streams opened meanwhile stay hung): by default
   * after sending their headers; with `before-headers`, without even a status line.
   */
  hangWatches(on: boolean, phase: 'after-headers' | 'before-headers' = 'after-headers'): void {
    this.faults.hangWatches = on ? phase : 'off';
  }

  /** How a too-old watch rv is answered: in-stream ERROR 410 (default) or a plain HTTP 410. */
  setExpiredMode(mode: ExpiredMode): void {
    this.faults.expiredMode = mode;
  }

  #select(resource: string | undefined): WatchStream[] {
    const plural = resource === undefined ? undefined : this.resource(resource).plural;
    return [...this.#streams].filter((s) => plural === undefined || s.resource.plural === plural);
  }
}


/**
 * Who sent `req`, as kube-apiserver's authenticators decide it: the bearer token when it is the
 * one expected (`token`), else a verified client certificate's `CN` (`cert:<CN>`); `null` when
 * authentication is required and neither is there, `undefined` when none is required.
 */
function authenticate(req: IncomingMessage, token: string | undefined, clientCerts: boolean): string | undefined | null {
  if (token === undefined && !clientCerts) return undefined;
  if (token !== undefined && req.headers.authorization === `Bearer ${token}`) return 'token';
  const socket = req.socket;
  if (clientCerts && socket instanceof TLSSocket && socket.authorized) {
    const cn: unknown = socket.getPeerCertificate().subject.CN;
    return `cert:${typeof cn === 'string' ? cn : ''}`;
  }
  return null;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../../src/clock.js';
import { apiGroupListBody, apiResourceListBody, apiVersionsBody, versionBody } from './discovery.js';
import { createEvent } from './events-api.js';
import { EVENTS_RESOURCE, viewList, viewOf } from './events-views.js';
import type { FakeFaults } from './faults.js';
import type { Lister } from './list.js';
import type { RecordedRequest } from './requests.js';
import { fieldLabelsOf, type FakeResource } from './resources.js';
import { resolveRoute } from './routes.js';
import { parseIncludeObject, TABLE_CONTENT_TYPE, tableOf, wantsTable } from './table.js';
import { parseSelectors } from './selectors.js';
import type { FakeStore } from './store.js';
import type { FakeLogEntry, FakeObject } from './types.js';
import { WatchStream } from './watch-stream.js';
import { handleWrite, writeTarget } from './writes.js';
import { openApiBody } from './openapi.js';
import { sendJson, sendStatus, withTypeMeta } from './wire.js';

/** Everything a request handler reads or registers into; owned by the server. */
export interface HandlerContext {
  readonly resources: readonly FakeResource[];
  readonly store: FakeStore;
  readonly lister: Lister;
  readonly faults: FakeFaults;
  readonly clock: Clock;
  /** Bookmarks every watch that allows them this often (FakeKubeOptions.bookmarkEveryMs). */
  readonly bookmarkEveryMs?: number;
  readonly lines: WeakMap<FakeLogEntry, string>;
  readonly streams: Set<WatchStream>;
  readonly serverAddress: () => string;
}

const isTrue = (v: string | null): boolean => v === 'true' || v === '1';

/** Answers one request and fills in its record. Synchronous: a watch stream outlives it. */
export function handleRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): void {
  const url = new URL(req.url ?? '/', 'http://fake');
  const route = resolveRoute(ctx.resources, url.pathname);
  const q = url.searchParams;
  if (route.type === 'collection' || route.type === 'object') rec.resource = route.resource.plural;
  const table = wantsTable(req.headers.accept) ? { include: parseIncludeObject(q.get('includeObject')) } : undefined;
  // Both Event versions are views of one stored set, as the apiserver converts between them.
  const view = route.type === 'collection' || route.type === 'object' ? viewOf(route.resource) : undefined;
  if (req.method === 'POST' && route.type === 'collection' && route.resource === EVENTS_RESOURCE && route.namespace !== undefined) {
    rec.verb = 'other';
    return createEvent(ctx.store, req, res, route.namespace);
  }
  const openApi = req.method === 'GET' ? openApiBody(ctx.resources, url.pathname) : undefined;
  if (openApi !== undefined) return sendJson(res, 200, openApi);
  const write = writeTarget(ctx.resources, req.method ?? 'GET', url.pathname);
  if (write !== undefined) return handleWrite(ctx.store, req, res, rec, write, q);
  if (req.method !== 'GET') {
    rec.verb = 'other';
    sendStatus(res, 405, 'MethodNotAllowed', `${req.method ?? ''} is not supported on ${url.pathname}`);
    return;
  }
  switch (route.type) {
    case 'version':
      rec.verb = 'discovery';
      return sendJson(res, 200, versionBody());
    case 'api-versions':
      rec.verb = 'discovery';
      return sendJson(res, 200, apiVersionsBody(ctx.serverAddress()));
    case 'api-groups':
      rec.verb = 'discovery';
      return sendJson(res, 200, apiGroupListBody(ctx.resources));
    case 'api-resources': {
      rec.verb = 'discovery';
      const body = apiResourceListBody(ctx.resources, route.group, route.version);
      if (body === undefined) return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, body);
    }
    case 'object': {
      rec.verb = 'get';
      const stored = ctx.store.get(view?.stored ?? route.resource, route.namespace, route.name);
      const o = stored === undefined || view === undefined ? stored : view.render(stored);
      if (o === undefined) {
        const what = route.resource.group === '' ? route.resource.plural : `${route.resource.plural}.${route.resource.group}`;
        return sendStatus(res, 404, 'NotFound', `${what} "${route.name}" not found`);
      }
      if (table !== undefined) return sendJson(res, 200, tableOf(route.resource, [o], ctx.clock.nowMs(), table.include), TABLE_CONTENT_TYPE);
      return sendJson(res, 200, withTypeMeta(route.resource, o));
    }
    case 'unknown':
      rec.verb = 'other';
      return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
    case 'collection':
      break;
  }
  const selector = parseSelectors(q.get('labelSelector'), q.get('fieldSelector'), fieldLabelsOf(route.resource));
  if (!selector.ok) return sendStatus(res, 400, 'BadRequest', selector.message);
  const matches = view === undefined ? selector.matches : (o: FakeObject) => selector.matches(view.render(o));
  const watching = isTrue(q.get('watch'));
  rec.verb = watching ? 'watch' : 'list';
  const continuing = !watching && q.get('continue') !== null;
  const failure = ctx.faults.take(watching ? 'watch' : continuing ? 'continue' : 'list', rec.resource);
  if (failure === 410 && continuing) {
    // An expired continue token, the real way: the lister answers 410 with a fresh token.
    ctx.lister.expireTokens();
  } else if (failure !== undefined) {
    const reason = failure === 410 ? 'Expired' : failure === 429 ? 'TooManyRequests' : 'InternalError';
    return sendStatus(res, failure, reason, `injected failure ${failure} from the fake API server`);
  }
  const rv = q.get('resourceVersion') ?? undefined;
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) {
    return sendStatus(res, 400, 'BadRequest', `invalid resource version "${rv}"`);
  }
  if (!watching) {
    const limitText = q.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    const listed = ctx.lister.list(view?.stored ?? route.resource, route.namespace, {
      limit: limit !== undefined && Number.isInteger(limit) && limit > 0 ? limit : undefined,
      continueToken: q.get('continue') ?? undefined,
      resourceVersion: rv,
      matches,
    });
    const result = listed.ok && view !== undefined ? { ok: true as const, body: viewList(route.resource, view, listed.body) } : listed;
    if (result.ok && table !== undefined) {
      const { items, metadata } = result.body;
      return sendJson(res, 200, tableOf(route.resource, items, ctx.clock.nowMs(), table.include, metadata), TABLE_CONTENT_TYPE);
    }
    if (result.ok) return sendJson(res, 200, result.body);
    return sendStatus(res, result.code, result.reason, result.message, result.continue === undefined ? {} : { continue: result.continue });
  }
  const tooOld = rv !== undefined && rv !== '' && rv !== '0' && Number(rv) < ctx.store.floor;
  if (tooOld && ctx.faults.expiredMode === 'http') {
    return sendStatus(res, 410, 'Expired', `too old resource version: ${rv} (${ctx.store.floor})`);
  }
  const timeoutText = q.get('timeoutSeconds');
  const stream = new WatchStream(
    res,
    {
      resource: route.resource,
      namespace: route.namespace,
      resourceVersion: rv,
      allowBookmarks: isTrue(q.get('allowWatchBookmarks')),
      timeoutSeconds: timeoutText === null ? undefined : Number(timeoutText),
      matches,
      table,
      ...(view !== undefined && { view }),
    },
    {
      clock: ctx.clock,
      lines: ctx.lines,
      hung: ctx.faults.hangWatches === 'off' ? undefined : ctx.faults.hangWatches,
      onClose: () => ctx.streams.delete(stream),
      ...(ctx.bookmarkEveryMs !== undefined && { bookmarkEveryMs: ctx.bookmarkEveryMs }),
    },
  );
  ctx.streams.add(stream);
  if (tooOld) {
    rec.inStreamError = 410;
    return stream.expire(rv, ctx.store.floor);
  }
  stream.open(ctx.store);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENTS_RESOURCE, eventsV1Of } from './events-views.js';
import { FakeStoreError, type FakeStore } from './store.js';
import type { NewFakeObject } from './types.js';
import { sendJson, sendStatus, withTypeMeta } from './wire.js';

const QUALIFIED = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/**
 * The apiserver's checks of an events.k8s.io/v1 create (ValidateEventCreate for that version):
 * eventTime, reportingController (a qualified name), reportingInstance, action and reason are
 * required; action, reason and reportingInstance at most 128 characters; note at most 1 kB; type
 * Normal or Warning; the namespace of the path, the object and `regarding` agree.
 */
export function validateEvent(o: Record<string, unknown>, pathNamespace: string): string[] {
  const errs: string[] = [];
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k]) : undefined);
  const meta = (o['metadata'] ?? {}) as Record<string, unknown>;
  if (typeof meta['name'] !== 'string' || meta['name'] === '') errs.push('metadata.name: Required value: name or generateName is required');
  if (meta['namespace'] !== undefined && meta['namespace'] !== pathNamespace) errs.push(`metadata.namespace: Invalid value: ${JSON.stringify(meta["namespace"])}: does not match the namespace of the path`);
  const time = s('eventTime');
  if (time === undefined) errs.push('eventTime: Required value');
  else if (!MICRO_TIME.test(time)) errs.push(`eventTime: Invalid value: "${time}": not a MicroTime`);
  const controller = s('reportingController');
  if (controller === undefined || controller === '') errs.push('reportingController: Required value');
  else if (!QUALIFIED.test(controller)) errs.push(`reportingController: Invalid value: "${controller}": must be a qualified name`);
  for (const k of ['reportingInstance', 'action', 'reason']) {
    const v = s(k);
    if (v === undefined || v === '') errs.push(`${k}: Required value`);
    else if (v.length > 128) errs.push(`${k}: Too long: may not be longer than 128`);
  }
  const note = s('note');
  if (note !== undefined && Buffer.byteLength(note) > 1024) errs.push('note: Too long: may not be longer than 1024');
  if (o['type'] !== 'Normal' && o['type'] !== 'Warning') errs.push(`type: Unsupported value: "${String(o['type'])}": supported values: "Normal", "Warning"`);
  const regarding = (o['regarding'] ?? {}) as Record<string, unknown>;
  if (regarding['namespace'] !== undefined && regarding['namespace'] !== pathNamespace) errs.push(`regarding.namespace: Invalid value: ${JSON.stringify(regarding["namespace"])}: does not match event.namespace`);
  return errs;
}

/** POST /apis/events.k8s.io/v1/namespaces/{ns}/events: 201 with the stored Event, 422 Invalid, 409 AlreadyExists. */
export function createEvent(store: FakeStore, req: IncomingMessage, res: ServerResponse, namespace: string): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendStatus(res, 400, 'BadRequest', 'the body is not JSON');
    }
    const rawName = ((body['metadata'] ?? {}) as Record<string, unknown>)['name'];
    const name = typeof rawName === 'string' ? rawName : '';
    const errs = validateEvent(body, namespace);
    if (errs.length > 0) return sendStatus(res, 422, 'Invalid', `Event.events.k8s.io "${name}" is invalid: [${errs.join(', ')}]`);
    try {
      const created = store.create(EVENTS_RESOURCE, { ...body, metadata: { ...(body['metadata'] as NewFakeObject['metadata']), namespace } });
      sendJson(res, 201, withTypeMeta(EVENTS_RESOURCE, eventsV1Of(created)));
    } catch (err) {
      if (err instanceof FakeStoreError && err.code === 'AlreadyExists') return sendStatus(res, 409, 'AlreadyExists', `events.events.k8s.io "${name}" already exists`);
      throw err;
    }
  });
}

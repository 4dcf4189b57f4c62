import { afterEach, describe, expect, it } from 'vitest';
import { ReloadingTokenFile } from '../../src/cloud-eye/token-file.js';
import { TokenGrants } from '../../src/cloud-eye/token-grants.js';
import { buildCloudEyeTestApp, cesError, reportItem, tokenFileText, type CloudEyeTestApp } from '../support/cloud-eye.js';
import { auditEvent } from '../support/events.js';
import { ManualClock } from '../support/manual-clock.js';
import { manualWatch, mountedFile, recordingLog, type MountedFile } from '../support/token-files.js';
import { auditChangeOf } from '../../src/audit/audit-change.js';

// Access control of the Cloud Eye routes: with CES_TOKENS_FILE, no valid token is always a 401
// (before anything else is looked at), a token outside its grant a 403; the file reloads
// without a restart and a version that does not parse leaves the last good grants in force.

const GRANTS = [
  { token: 'reader-token', projects: ['cluster-one'], actions: ['ces:events:list', 'ces:events:get'] },
  { token: 'writer-token', projects: ['cluster-one'], actions: ['ces:events:post'] },
  { token: 'admin-token', projects: ['*'], actions: ['ces:events:list', 'ces:events:get', 'ces:events:post'] },
];

let t: CloudEyeTestApp;
let mount: MountedFile | undefined;
let file: ReloadingTokenFile | undefined;
afterEach(async () => {
  await t.app.close();
  file?.stop();
  mount?.cleanup();
  file = undefined;
  mount = undefined;
});

const withGrants = () => {
  t = buildCloudEyeTestApp({ access: { grants: TokenGrants.parse(tokenFileText(GRANTS)) } });
  // A second cluster present in the store, for the project checks.
  t.bus.publish('audit', auditChangeOf(auditEvent('web', { cluster: 'cluster-two' }), 'add/uid-web', { cluster: 'cluster-two', resourceType: 'deployment', op: 'remove', uid: 'uid-web' }));
};

const CALLS = [
  ['GET /events', (token?: string) => t.get('/cluster-one/events', token)],
  ['GET /event/{name}', (token?: string) => t.get('/cluster-one/event/deploy?event_type=EVENT.CUSTOM', token)],
  ['POST /events', (token?: string) => t.post('/cluster-one/events', [reportItem()], token)],
] as const;

describe('the Cloud Eye routes with CES_TOKENS_FILE', () => {
  it.each(CALLS)('%s without a token is a 401', async (_name, call) => {
    withGrants();
    const res = await call();
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(cesError(401, 'ces.0015', 'X-Auth-Token is missing; send a token CES_TOKENS_FILE grants, or sign the request with an access key it grants (Authorization: SDK-HMAC-SHA256 …)'));
  });

  it.each(CALLS)('%s with a token the file does not list is a 401', async (_name, call) => {
    withGrants();
    expect((await call('guessed-token')).json()).toEqual(cesError(401, 'ces.0015', 'X-Auth-Token is not valid'));
  });

  it('answers 401 before anything else: a bad project, a bad body, an unknown route, a token too long', async () => {
    withGrants();
    expect((await t.get('/bad_project/events')).statusCode).toBe(401);
    expect((await t.post('/cluster-one/events', '{not json')).statusCode).toBe(401);
    expect((await t.get('/cluster-one/nothing')).statusCode).toBe(401);
    expect((await t.get('/cluster-one/events', 'x'.repeat(16_385))).statusCode).toBe(401);
  });

  it('lets each token do what it is granted, on the projects it is granted', async () => {
    withGrants();
    expect((await t.get('/cluster-one/events', 'reader-token')).statusCode).toBe(200);
    expect((await t.get('/cluster-one/event/deploy?event_type=EVENT.CUSTOM', 'reader-token')).statusCode).toBe(200);
    expect((await t.post('/cluster-one/events', [reportItem()], 'writer-token')).statusCode).toBe(201);
    expect((await t.get('/cluster-two/events', 'admin-token')).statusCode).toBe(200);
  });

  it('answers 403 for an action or a project outside the grant, before reading the body', async () => {
    withGrants();
    const post = await t.post('/cluster-one/events', '{not json', 'reader-token');
    expect(post.json()).toEqual(cesError(403, 'ces.0017', 'the token does not allow ces:events:post on project cluster-one'));
    expect((await t.get('/cluster-one/events', 'writer-token')).json()).toEqual(cesError(403, 'ces.0017', 'the token does not allow ces:events:list on project cluster-one'));
    expect((await t.get('/cluster-two/events', 'reader-token')).json()).toEqual(cesError(403, 'ces.0017', 'the token does not allow ces:events:list on project cluster-two'));
  });

  it('answers 400 ces.0003 to a token for every project naming one that is no cluster', async () => {
    withGrants();
    expect((await t.get('/cluster-three/events', 'admin-token')).json<ReturnType<typeof cesError>>().message.code).toBe('ces.0003');
  });

  it('answers 404 to a valid token on an unknown route', async () => {
    withGrants();
    expect((await t.get('/cluster-one/nothing', 'reader-token')).statusCode).toBe(404);
  });

  it('follows the file as it changes, and keeps the last good grants when a version does not parse', async () => {
    mount = mountedFile(tokenFileText([{ token: 'old-token', projects: ['*'], actions: ['ces:events:list'] }]));
    const w = manualWatch();
    const log = recordingLog();
    const clock = new ManualClock();
    file = ReloadingTokenFile.open({ path: mount.path, clock, log, watch: w.watch });
    file.start();
    t = buildCloudEyeTestApp({ access: file });
    expect((await t.get('/cluster-one/events', 'old-token')).statusCode).toBe(200);

    mount.update(tokenFileText([{ token: 'new-token', projects: ['*'], actions: ['ces:events:list'] }]));
    w.fire();
    clock.advance(100);
    expect((await t.get('/cluster-one/events', 'new-token')).statusCode).toBe(200);
    expect((await t.get('/cluster-one/events', 'old-token')).statusCode).toBe(401);

    mount.update('{"tokens": [{"sha256": "not a hash"}]}');
    w.fire();
    clock.advance(100);
    expect((await t.get('/cluster-one/events', 'new-token')).statusCode).toBe(200);
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'CES_TOKENS_FILE reloaded'],
      ['warn', 'CES_TOKENS_FILE changed but cannot be used; keeping the last good grants'],
    ]);
  });
});

describe('the Cloud Eye routes without CES_TOKENS_FILE', () => {
  it('are open: no token is needed, and one sent is ignored', async () => {
    t = buildCloudEyeTestApp();
    expect((await t.get('/cluster-one/events')).statusCode).toBe(200);
    expect((await t.post('/cluster-one/events', [reportItem()], 'anything')).statusCode).toBe(201);
  });
});

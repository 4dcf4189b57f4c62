import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ReloadingTokenFile, watchDirectory } from '../../src/cloud-eye/token-file.js';
import { TokenFileError, TokenGrants, tokenHash } from '../../src/cloud-eye/token-grants.js';
import { tokenFileText } from '../support/cloud-eye.js';
import { ManualClock } from '../support/manual-clock.js';
import { manualWatch, mountedFile, recordingLog, type MountedFile } from '../support/token-files.js';

const ALL = ['ces:events:list', 'ces:events:get', 'ces:events:post'];
const fileFor = (...tokens: string[]) => tokenFileText(tokens.map((token) => ({ token, projects: ['*'], actions: ALL })));
const knows = (f: ReloadingTokenFile, token: string) => f.grants.identify(token).known;

let mount: MountedFile | undefined;
let file: ReloadingTokenFile | undefined;
afterEach(() => {
  file?.stop();
  mount?.cleanup();
  file = undefined;
  mount = undefined;
});

describe('the token file', () => {
  it('reloads a ConfigMap-style symlink swap when the directory reports a change, once the write has settled', () => {
    mount = mountedFile(fileFor('first'));
    const clock = new ManualClock();
    const w = manualWatch();
    const log = recordingLog();
    file = ReloadingTokenFile.open({ path: mount.path, clock, log, watch: w.watch });
    file.start();
    expect(knows(file, 'first')).toBe(true);
    mount.update(fileFor('second'));
    w.fire();
    w.fire();
    expect(knows(file, 'second')).toBe(false);
    clock.advance(100);
    expect([knows(file, 'first'), knows(file, 'second')]).toEqual([false, true]);
    expect(log.lines).toEqual([{ level: 'info', msg: 'CES_TOKENS_FILE reloaded', obj: { file: mount.path, tokens: 1 } }]);
  });

  it('notices a change fs.watch never reported at the next poll', () => {
    mount = mountedFile(fileFor('first'));
    const clock = new ManualClock();
    file = ReloadingTokenFile.open({ path: mount.path, clock, log: recordingLog(), watch: manualWatch().watch, pollIntervalMs: 10_000 });
    file.start();
    mount.update(fileFor('second', 'third'));
    clock.advance(9_999);
    expect(knows(file, 'second')).toBe(false);
    clock.advance(1);
    expect([knows(file, 'first'), knows(file, 'second'), knows(file, 'third')]).toEqual([false, true, true]);
  });

  it('keeps the last good grants when a new version does not parse, says why once, and takes the next good one', () => {
    mount = mountedFile(fileFor('first'));
    const clock = new ManualClock();
    const log = recordingLog();
    file = ReloadingTokenFile.open({ path: mount.path, clock, log, watch: manualWatch().watch });
    file.start();
    mount.update('{"tokens": [{"sha256": "abc", "projects": ["*"], "actions": ["ces:events:list"]}]}');
    clock.advance(30_000);
    expect(knows(file, 'first')).toBe(true);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'warn', msg: 'CES_TOKENS_FILE changed but cannot be used; keeping the last good grants', obj: { tokens: 1 } });
    expect(log.lines[0]?.obj['reason']).toMatch(/^\/tokens\/0\/sha256 /);
    mount.update(fileFor('second'));
    clock.advance(10_000);
    expect([knows(file, 'first'), knows(file, 'second')]).toEqual([false, true]);
  });

  it('keeps the grants while the file is missing, and reloads when it is back', () => {
    mount = mountedFile(fileFor('first'));
    const clock = new ManualClock();
    const log = recordingLog();
    file = ReloadingTokenFile.open({ path: mount.path, clock, log, watch: manualWatch().watch });
    file.start();
    mount.cleanup();
    clock.advance(20_000);
    expect(knows(file, 'first')).toBe(true);
    expect(log.lines.map((l) => [l.level, l.obj['reason']])).toEqual([['warn', expect.stringContaining('ENOENT') as string]]);
  });

  it('stops its timers and its watch', () => {
    mount = mountedFile(fileFor('first'));
    const clock = new ManualClock();
    const w = manualWatch();
    file = ReloadingTokenFile.open({ path: mount.path, clock, log: recordingLog(), watch: w.watch });
    file.start();
    expect([clock.pendingTimers, w.watching]).toEqual([1, 1]);
    file.stop();
    expect([clock.pendingTimers, w.watching]).toEqual([0, 0]);
  });

  it('hears a real symlink swap through fs.watch', async () => {
    mount = mountedFile(fileFor('first'));
    const clock = new ManualClock();
    let changed!: () => void;
    const heard = new Promise<void>((resolve) => (changed = resolve));
    file = ReloadingTokenFile.open({
      path: mount.path,
      clock,
      log: recordingLog(),
      // The real fs.watch, told to the test when it reports (the test waits on the event, not on time).
      watch: (dir, onChange, onError) => watchDirectory(dir, () => (onChange(), changed()), onError),
    });
    file.start();
    mount.update(fileFor('second'));
    await heard;
    clock.advance(100);
    expect(knows(file, 'second')).toBe(true);
  });

  it('refuses, at open, a file that does not parse, saying what is wrong', () => {
    mount = mountedFile('{"tokens": "none"}');
    const path = mount.path;
    expect(() => ReloadingTokenFile.open({ path, clock: new ManualClock(), log: recordingLog() })).toThrow(TokenFileError);
    writeFileSync(path, 'not json');
    expect(() => ReloadingTokenFile.open({ path, clock: new ManualClock(), log: recordingLog() })).toThrow(/^not JSON/);
  });
});

describe('token grants', () => {
  const grants = TokenGrants.parse(
    tokenFileText([
      { token: 'reader', projects: ['cluster-one'], actions: ['ces:events:list', 'ces:events:get'] },
      { token: 'writer', projects: ['*'], actions: ['ces:events:post'] },
    ]),
  );

  it.each([
    ['reader', 'cluster-one', 'ces:events:list', 'granted'],
    ['reader', 'cluster-one', 'ces:events:get', 'granted'],
    ['reader', 'cluster-one', 'ces:events:post', 'forbidden'],
    ['reader', 'cluster-two', 'ces:events:list', 'forbidden'],
    ['writer', 'anything', 'ces:events:post', 'granted'],
    ['writer', 'cluster-one', 'ces:events:list', 'forbidden'],
    ['nobody', 'cluster-one', 'ces:events:list', 'unauthenticated'],
    ['', 'cluster-one', 'ces:events:list', 'unauthenticated'],
  ] as const)('%s on %s for %s: %s', (token, project, action, decision) => {
    expect(TokenGrants.decide(grants.identify(token), project, action)).toBe(decision);
  });

  it('reads the hashes in upper- or lower-case hex', () => {
    const upper = JSON.stringify({ tokens: [{ sha256: tokenHash('t').toString('hex').toUpperCase(), projects: ['*'], actions: ['ces:events:list'] }] });
    expect(TokenGrants.parse(upper).identify('t').known).toBe(true);
  });

  it.each([
    ['{}', /^\/tokens expected required property/],
    ['[]', /^the file expected object/],
    ['{"tokens": [], "extra": 1}', /unexpected property/i],
    ['{"tokens": [{"sha256": "00", "projects": ["*"], "actions": ["ces:events:list"]}]}', /^\/tokens\/0\/sha256/],
    [`{"tokens": [{"sha256": "${'0'.repeat(64)}", "projects": [], "actions": ["ces:events:list"]}]}`, /^\/tokens\/0\/projects/],
    [`{"tokens": [{"sha256": "${'0'.repeat(64)}", "projects": ["bad_id"], "actions": ["ces:events:list"]}]}`, /^\/tokens\/0\/projects\/0/],
    [`{"tokens": [{"sha256": "${'0'.repeat(64)}", "projects": ["*"], "actions": ["ces:alarms:get"]}]}`, /^\/tokens\/0\/actions\/0/],
    [`{"tokens": [{"sha256": "${'0'.repeat(64)}", "projects": ["*"], "actions": ["ces:events:list"]}, {"sha256": "${'0'.repeat(64)}", "projects": ["*"], "actions": ["ces:events:get"]}]}`, /repeats an earlier token/],
  ])('refuses %s', (text, reason) => {
    expect(() => TokenGrants.parse(text)).toThrow(reason);
  });
});

import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/kube/object-store.js';

const obj = (uid: string, resourceVersion: string, name = uid): { uid: string; resourceVersion: string; name: string } => ({ uid, resourceVersion, name });

describe('ObjectStore', () => {
  it('diffs a relist into added, removed and changed, by UID and resourceVersion', () => {
    const store = new ObjectStore<ReturnType<typeof obj>>();
    store.replace([obj('u1', '1'), obj('u2', '2'), obj('u3', '3')]);
    const diff = store.replace([obj('u1', '1'), obj('u2', '7'), obj('u4', '8')]);
    expect(diff.added.map((o) => o.uid)).toEqual(['u4']);
    expect(diff.removed.map((o) => o.uid)).toEqual(['u3']);
    expect(diff.changed.map((c) => `${c.previous.resourceVersion}→${c.current.resourceVersion}`)).toEqual(['2→7']);
    expect([...store.values()].map((o) => o.uid)).toEqual(['u1', 'u2', 'u4']);
  });

  it('treats the same name under a new UID as a different object', () => {
    const store = new ObjectStore<ReturnType<typeof obj>>();
    store.replace([obj('old', '1', 'web')]);
    const diff = store.replace([obj('new', '5', 'web')]);
    expect(diff.removed.map((o) => o.uid)).toEqual(['old']);
    expect(diff.added.map((o) => o.uid)).toEqual(['new']);
  });

  it('returns what upsert replaced and what remove forgot', () => {
    const store = new ObjectStore<ReturnType<typeof obj>>();
    expect(store.upsert(obj('u1', '1'))).toBeUndefined();
    expect(store.upsert(obj('u1', '2'))?.resourceVersion).toBe('1');
    expect(store.remove('u1')?.resourceVersion).toBe('2');
    expect(store.remove('u1')).toBeUndefined();
    expect(store.size).toBe(0);
  });
});

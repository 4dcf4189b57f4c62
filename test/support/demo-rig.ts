import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type DemoHandle } from '../../demo/start-demo.js';
import type { DemoChange } from '../../demo/change-generator.js';
import type { WatchStatus } from '../../src/kube/watch-types.js';
import type { LightMyRequestResponse } from 'fastify';
import { buildPage } from './browser.js';
import { ManualClock } from './manual-clock.js';
import { waitFor } from './wait-for.js';

// `npm run demo` in process and deterministic: a manual clock, port 0, memory storage, the
// changes stepped by the test. Shared by test/demo/ and the docs' examples test.

/** When the rig's demo starts: 2 s into a 10 s ETL window. */
export const DEMO_START = '2026-12-06T10:00:02Z';
/** The seed of the rig's changes. */
export const DEMO_SEED = 1;

/** A started demo on a manual clock, and how to move it on. */
export class DemoRig {
  readonly clock: ManualClock;
  readonly demo: DemoHandle;
  readonly #pageDir: string | undefined;

  private constructor(clock: ManualClock, demo: DemoHandle, pageDir: string | undefined) {
    this.clock = clock;
    this.demo = demo;
    this.#pageDir = pageDir;
  }

  /** Starts the demo (building the web page first when `page`), and waits for its watchers and cache to sync. */
  static async start(o: { page?: boolean; env?: Record<string, string> } = {}): Promise<DemoRig> {
    const clock = new ManualClock(DEMO_START);
    const pageDir = o.page === true ? mkdtempSync(join(tmpdir(), 'demo-page-')) : undefined;
    if (pageDir !== undefined) await buildPage(pageDir);
    const demo = await startDemo({
      env: { PORT: '0', HOST: '127.0.0.1', ...o.env },
      clock,
      seed: DEMO_SEED,
      autoChange: false,
      server: {
        etlSettleMs: 0,
        // Jitter pinned; no watchdog: the manual clock jumps with no event.
        watchTuning: { random: () => 0.5, staleAfterMs: 30 * 24 * 3_600_000 },
        build: { version: '0.1.0', commit: null, builtAt: null },
        ...(pageDir !== undefined && { uiDir: pageDir }),
      },
    });
    const rig = new DemoRig(clock, demo, pageDir);
    await waitFor(() => demo.server.watchers?.readiness().ready === true && demo.server.etl?.cache.readiness().ready === true, 'the demo to sync', 15_000);
    return rig;
  }

  /**
   * Makes the next change, lets the server see it, then moves the clock `ms` on (5 s, as the demo
   * does), so that each change falls in its own second and ETL windows close on the way.
   */
  async step(ms = 5_000): Promise<DemoChange> {
    const before = this.demo.fake.store.currentRv;
    const change = this.demo.changes.step();
    await this.#seen(before);
    this.clock.advance(ms);
    await this.settled();
    return change;
  }

  /** Waits for the pipeline's queued work and for every event published so far to be stored. */
  async settled(): Promise<void> {
    await this.demo.server.etl?.pipeline.idle();
    await this.demo.server.watchers?.idle();
    await this.demo.server.storage.writer.idle();
  }

  /** GET (or another method) through inject. */
  inject(url: string, init: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; headers?: Record<string, string>; body?: string } = {}): Promise<LightMyRequestResponse> {
    return this.demo.server.app.inject({ method: init.method ?? 'GET', url, ...(init.headers && { headers: init.headers }), ...(init.body !== undefined && { payload: init.body }) });
  }

  async close(): Promise<void> {
    await this.demo.close();
    if (this.#pageDir !== undefined) rmSync(this.#pageDir, { recursive: true, force: true });
  }

  /**
   * Waits until the audit's and the ETL's watches have delivered every write since `rv`: a
   * BOOKMARK at the current resourceVersion follows the events on every watch stream, so once
   * each loop is past it, each consumer has seen everything.
   */
  async #seen(rv: number): Promise<void> {
    const target = this.demo.fake.store.currentRv;
    if (target === rv) return;
    // A loop reconnecting (its stream timed out on the manual clock) replays from its rv once open.
    await waitFor(() => this.#statuses().every((s) => s.state === 'watching'), 'every watch of the demo to be open');
    this.demo.fake.sendBookmark();
    await waitFor(() => this.#statuses().every((s) => Number(s.resourceVersion ?? 0) >= target), `the server to see resourceVersion ${target}`);
  }

  #statuses(): WatchStatus[] {
    return [...(this.demo.server.watchers?.statuses() ?? []), ...(this.demo.server.etl?.cache.statuses() ?? [])];
  }
}

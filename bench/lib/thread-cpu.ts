import { readdirSync, readFileSync } from 'node:fs';

/** The kernel's clock ticks per second, in which /proc gives a thread's CPU time (100 on Linux's usual builds). */
const TICKS_PER_SECOND = 100;

/** CPU time of this process's threads, in ms: the main thread (JavaScript) and all others (V8's compiler and GC helpers, libuv's pool). */
export interface ThreadCpu {
  readonly mainMs: number;
  readonly othersMs: number;
}

/**
 * The CPU time of the main thread and of every other thread, from /proc/self/task (10 ms
 * resolution); undefined where there is no /proc. Over a burst, the other threads' share is
 * mostly V8 optimizing the code on the path (TurboFan runs on worker threads) and its parallel
 * scavenges.
 */
export function threadCpu(): ThreadCpu | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  let mainMs = 0;
  let othersMs = 0;
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // Fields after the command (which may hold spaces) in parentheses: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    if (tid === String(process.pid)) mainMs += ms;
    else othersMs += ms;
  }
  return { mainMs, othersMs };
}

/** User + system CPU of a `process.cpuUsage` reading, in ms. */
export const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** What waiting for something cost this process. */
export interface Spent<T> {
  readonly value: T;
  /** User + system CPU of every thread, in ms. */
  readonly cpuMs: number;
  /** Of that, the threads other than the main one; undefined without /proc. */
  readonly othersCpuMs: number | undefined;
}

/** Awaits `wait` and says what the process spent meanwhile: its CPU and the other threads' share of it. */
export async function spentOn<T>(wait: Promise<T>): Promise<Spent<T>> {
  const cpu = process.cpuUsage();
  const threads = threadCpu();
  const value = await wait;
  const used = process.cpuUsage(cpu);
  const after = threadCpu();
  return { value, cpuMs: cpuMs(used), othersCpuMs: threads === undefined || after === undefined ? undefined : after.othersMs - threads.othersMs };
}

import { setImmediate as turn } from 'node:timers/promises';

/** One watch event as the test reads it off the wire. */
export interface WireEvent {
  type: string;
  object: { kind?: string; code?: number; reason?: string; metadata: { name?: string; resourceVersion?: string } };
}

/** A watch response being read line by line with plain fetch. */
export interface WatchReader {
  readonly status: number;
  readonly headers: Headers;
  /** The next `n` events, waiting for the network as needed. */
  next(n: number): Promise<WireEvent[]>;
  /** How the stream ended: the terminating chunk, or a broken connection. */
  ended(): Promise<'clean' | 'error'>;
  close(): void;
}

/** Opens a watch with fetch and splits its body on newlines, checking each line is one JSON event. */
export async function readWatch(url: string): Promise<WatchReader> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  // The DOM stream types are not in this project's lib; say what the bytes are.
  const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: WireEvent[] = [];
  let end: 'clean' | 'error' | undefined;
  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          queue.push(JSON.parse(buffer.slice(0, nl)) as WireEvent);
          buffer = buffer.slice(nl + 1);
        }
      }
      end = buffer === '' ? 'clean' : 'error';
    } catch {
      end = 'error';
    }
  };
  const pumping = pump();
  return {
    status: res.status,
    headers: res.headers,
    async next(n) {
      const deadline = Date.now() + 5_000;
      while (queue.length < n) {
        if (end !== undefined || Date.now() > deadline) throw new Error(`expected ${n} events, got ${queue.length} (stream ${end ?? 'open'})`);
        await turn();
      }
      return queue.splice(0, n);
    },
    async ended() {
      await pumping;
      return end ?? 'error';
    },
    close() {
      abort.abort();
    },
  };
}

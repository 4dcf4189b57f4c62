import { GPU_RESOURCE_NAMES } from '../cost/workload.js';
import type { Container, PodSpec, ResourceList } from '../cost/workload-object.js';

/**
 * What the audit keeps of a workload's containers to say what changed: per container (init
 * containers included) its name, CPU, memory and GPU request as written (the limit when only a
 * limit is set, as Kubernetes then requests it) and its image. Kept as one string per workload
 * (fields joined by control characters), so 100,000 watched workloads hold one small string each,
 * not an array of objects; it is split only when an update is described.
 */
export type ContainerSummary = string;

/** One container of a summary. */
export interface ContainerLine {
  readonly init: boolean;
  readonly name: string;
  readonly cpu: string;
  readonly memory: string;
  readonly gpu: string;
  readonly image: string;
}

const FIELD = '\u0001';
const ITEM = '\u0002';

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function requested(r: { requests?: ResourceList; limits?: ResourceList } | undefined, name: string): string {
  return text(r?.requests?.[name]) || text(r?.limits?.[name]);
}

function line(c: Container & { image?: unknown }, init: boolean, i: number): string {
  const r = c.resources;
  let gpu = '';
  for (const g of GPU_RESOURCE_NAMES) gpu ||= requested(r, g);
  const name = typeof c.name === 'string' ? c.name : `#${i}`;
  return [init ? 'i' : 'c', name, requested(r, 'cpu'), requested(r, 'memory'), gpu, text(c.image)].join(FIELD);
}

/**
 * The summary of a pod spec's containers; '' when it has none. Joined from arrays, not built with
 * templates or `+=`: V8 keeps a concatenation as a tree of pieces until it is read whole (405,000
 * of them, 12 MB, for 100,000 kept workloads), where `join` makes one flat string.
 */
export function summarizeContainers(pod: PodSpec | undefined): ContainerSummary {
  if (pod === undefined) return '';
  const lines: string[] = [];
  (pod.initContainers ?? []).forEach((c, i) => lines.push(line(c, true, i)));
  (pod.containers ?? []).forEach((c, i) => lines.push(line(c, false, i)));
  return lines.join(ITEM);
}

/** The containers of a summary, in order (init containers first). */
export function containerLines(s: ContainerSummary): ContainerLine[] {
  if (s === '') return [];
  return s.split(ITEM).map((l) => {
    const [kind = '', name = '', cpu = '', memory = '', gpu = '', image = ''] = l.split(FIELD);
    return { init: kind === 'i', name, cpu, memory, gpu, image };
  });
}

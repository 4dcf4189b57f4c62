import { Type, type Static } from '@sinclair/typebox';
import type { WorkloadSpec } from '../cost/workload.js';
import { containerLines, type ContainerLine, type ContainerSummary } from './container-summary.js';

/** One field an update moved. */
export const FieldChangeSchema = Type.Object({
  field: Type.String({
    description:
      '`replicas`; `containers[<name>].requests.cpu|memory|gpu` (init containers as `initContainers[<name>]…`); `containers[<name>].image`; or `pod.requests.cpu|memory|gpu` (cores, bytes, GPUs) when the containers before the change are not known (a change found after a restart).',
    examples: ['containers[app].requests.cpu'],
  }),
  from: Type.Union([Type.String(), Type.Number(), Type.Null()], { description: 'The value before (a quantity as written, a count); null when the container or request was absent.' }),
  to: Type.Union([Type.String(), Type.Number(), Type.Null()], { description: 'The value after; null when removed.' }),
});
/** One field an update moved. */
export type FieldChange = Static<typeof FieldChangeSchema>;

/** An update's two sides: its specs and, when known, its containers. */
export interface UpdateSides {
  readonly before: WorkloadSpec;
  readonly after: WorkloadSpec;
  readonly containersBefore: ContainerSummary | undefined;
  readonly containersAfter: ContainerSummary | undefined;
}

const orNull = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

/**
 * The fields an update moved: replicas, then per container (init containers first) the CPU,
 * memory and GPU requests, then images. Images are listed as context when `withImages` (an
 * update that also moves cost, or an image-only update recorded on purpose).
 */
export function describeChanges(u: UpdateSides, withImages: boolean): FieldChange[] {
  const out: FieldChange[] = [];
  if (u.before.replicas !== u.after.replicas) out.push({ field: 'replicas', from: u.before.replicas, to: u.after.replicas });
  if (u.containersBefore === undefined || u.containersAfter === undefined) {
    const a = u.before.perPod;
    const b = u.after.perPod;
    if (a.cpuCores !== b.cpuCores) out.push({ field: 'pod.requests.cpu', from: a.cpuCores, to: b.cpuCores });
    if (a.memoryBytes !== b.memoryBytes) out.push({ field: 'pod.requests.memory', from: a.memoryBytes, to: b.memoryBytes });
    if (a.gpus !== b.gpus) out.push({ field: 'pod.requests.gpu', from: a.gpus, to: b.gpus });
    return out;
  }
  const before = byName(containerLines(u.containersBefore));
  const after = byName(containerLines(u.containersAfter));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort(initFirst);
  const images: FieldChange[] = [];
  for (const key of keys) {
    const a = before.get(key);
    const b = after.get(key);
    for (const r of ['cpu', 'memory', 'gpu'] as const) {
      if ((a?.[r] ?? '') !== (b?.[r] ?? '')) out.push({ field: `${key}.requests.${r}`, from: orNull(a?.[r]), to: orNull(b?.[r]) });
    }
    if (withImages && (a?.image ?? '') !== (b?.image ?? '')) images.push({ field: `${key}.image`, from: orNull(a?.image), to: orNull(b?.image) });
  }
  return [...out, ...images];
}

/** True when some container's image differs (or containers came or went). */
export function imagesDiffer(a: ContainerSummary | undefined, b: ContainerSummary | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const before = byName(containerLines(a));
  const after = byName(containerLines(b));
  if (before.size !== after.size) return true;
  for (const [k, c] of after) if (before.get(k)?.image !== c.image) return true;
  return false;
}

function byName(lines: ContainerLine[]): Map<string, ContainerLine> {
  return new Map(lines.map((l) => [`${l.init ? 'initContainers' : 'containers'}[${l.name}]`, l]));
}

const initFirst = (a: string, b: string) => Number(b.startsWith('init')) - Number(a.startsWith('init')) || (a < b ? -1 : a > b ? 1 : 0);

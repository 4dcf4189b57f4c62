/**
 * Aggregation of an allocation set: its records grouped by properties, as `aggregate=` asks,
 * idle apart. Nothing here changes the set it is given: results are new records (label objects
 * are shared with the input and never written).
 */
import { addAllocationInto, cloneAllocation } from './add-records.js';
import type { AllocationAggregateBy } from './aggregate-by.js';
import { byName, IDLE_KEY, UNALLOCATED_KEY, type Allocation, type AllocationProperties, type AllocationSet } from './sets.js';

/** How idle allocations are grouped, as Kubecost's `splitIdle` and `idleByNode` ask. */
export interface AllocationAggregateOptions {
  /** Keep idle apart per cluster (`cluster/__idle__`) instead of one `__idle__`. */
  readonly splitIdle?: boolean;
  /** With `splitIdle`: apart per node (`cluster/node/__idle__`). */
  readonly idleByNode?: boolean;
}

const IDLE_SUFFIX = `/${IDLE_KEY}`;

/** True for an idle allocation (`…/__idle__` or `__idle__`). */
export function isIdle(a: Allocation): boolean {
  return a.name === IDLE_KEY || a.name.endsWith(IDLE_SUFFIX);
}

/**
 * Groups allocations by `by`: the key is the members' values joined with '/' in the order given;
 * a member without a value gives `__unallocated__` for that part; `controller` reads
 * `kind:name` as in OpenCost. Idle allocations are not keyed by `by`: as in OpenCost (Kubecost's
 * default), all of them combine into one `__idle__`, or per cluster/node with `splitIdle`.
 * An aggregate keeps the properties (and labels) all its members share.
 */
export function aggregateAllocations(set: AllocationSet, by: readonly AllocationAggregateBy[], options: AllocationAggregateOptions = {}): AllocationSet {
  const keyOf = allocationKeyer(by);
  const groups = new Map<string, Allocation>();
  for (const a of set.allocations) {
    const key = isIdle(a) ? idleKey(a.properties, options) : keyOf(a.properties);
    const held = groups.get(key);
    if (held === undefined) groups.set(key, cloneAllocation(a, key));
    else addAllocationInto(held, a);
  }
  return { ...set, allocations: [...groups.values()].sort(byName) };
}

function idleKey(p: AllocationProperties, options: AllocationAggregateOptions): string {
  if (options.splitIdle !== true) return IDLE_KEY;
  const cluster = p.cluster ?? UNALLOCATED_KEY;
  return options.idleByNode === true ? `${cluster}/${p.node ?? UNALLOCATED_KEY}/${IDLE_KEY}` : `${cluster}/${IDLE_KEY}`;
}

type Part = (p: AllocationProperties) => string;

function allocationKeyer(by: readonly AllocationAggregateBy[]): (p: AllocationProperties) => string {
  const parts = by.map(allocationPart);
  if (parts.length === 1) return parts[0] ?? (() => '');
  return (p) => {
    let key = '';
    for (let i = 0; i < parts.length; i++) key += (i === 0 ? '' : '/') + (parts[i]?.(p) ?? '');
    return key;
  };
}

function allocationPart(by: AllocationAggregateBy): Part {
  switch (by) {
    case 'cluster':
      return (p) => p.cluster ?? UNALLOCATED_KEY;
    case 'node':
      return (p) => p.node ?? UNALLOCATED_KEY;
    case 'namespace':
      return (p) => p.namespace ?? UNALLOCATED_KEY;
    case 'controllerKind':
      return (p) => p.controllerKind ?? UNALLOCATED_KEY;
    case 'controller':
      return (p) => (p.controller === undefined ? UNALLOCATED_KEY : p.controllerKind === undefined ? p.controller : `${p.controllerKind}:${p.controller}`);
    case 'pod':
      return (p) => p.pod ?? UNALLOCATED_KEY;
    case 'container':
      return (p) => p.container ?? UNALLOCATED_KEY;
    default:
      return labelPart(by.slice('label:'.length));
  }
}

const PROMETHEUS_UNSAFE = /[^a-zA-Z0-9_]/g;

/**
 * A label's value; a name written as Prometheus sanitises it (`app_kubernetes_io_name`, as
 * Kubecost users write it) also finds the label it came from (`app.kubernetes.io/name`).
 */
function labelPart(name: string): Part {
  const sanitisedForm = !/[^a-zA-Z0-9_]/.test(name);
  const sanitised = new Map<string, string>();
  return (p) => {
    const labels = p.labels;
    if (labels === undefined) return UNALLOCATED_KEY;
    if (Object.hasOwn(labels, name)) return labels[name] ?? UNALLOCATED_KEY;
    if (!sanitisedForm) return UNALLOCATED_KEY;
    for (const key of Object.keys(labels)) {
      let s = sanitised.get(key);
      if (s === undefined) {
        s = key.replace(PROMETHEUS_UNSAFE, '_');
        sanitised.set(key, s);
      }
      if (s === name) return labels[key] ?? UNALLOCATED_KEY;
    }
    return UNALLOCATED_KEY;
  };
}

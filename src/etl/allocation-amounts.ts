/**
 * An allocation's numbers (its span, hours, request averages, costs and adjustments) as one
 * slot of doubles in a growable Float64Array: the form accumulation folds into. Folding into
 * plain Allocation objects cost twice as much CPU (a day of hourly sets of a large cluster,
 * `npm run bench -- etl`): every field of a record is a separate boxed number, read and written
 * through a pointer, while a slot is 17 doubles side by side. The arithmetic is
 * addAllocationInto's (add-records.ts), in the same order, so the sums are the same bits; a
 * test folds both ways and compares.
 */
import type { Allocation } from './sets.js';

const START = 0;
const END = 1;
const CPU_CORE_HOURS = 2;
const CPU_REQUEST_AVERAGE = 3;
const CPU_COST = 4;
const CPU_ADJUSTMENT = 5;
const GPU_HOURS = 6;
const GPU_REQUEST_AVERAGE = 7;
const GPU_COST = 8;
const GPU_ADJUSTMENT = 9;
const RAM_BYTE_HOURS = 10;
const RAM_REQUEST_AVERAGE = 11;
const RAM_COST = 12;
const RAM_ADJUSTMENT = 13;
const PV_BYTE_HOURS = 14;
const PV_COST = 15;
const PV_ADJUSTMENT = 16;
/** Doubles per slot. */
const STRIDE = 17;

/** The parts of an allocation that are not numbers, held beside its slot. */
export type AllocationLabel = Pick<Allocation, 'name' | 'properties' | 'pvs'>;

/** Slots of allocation numbers, numbered from 0 in the order they were added; grows by doubling. */
export class AllocationAmounts {
  #d: Float64Array;
  #count = 0;

  constructor(initialSlots = 1024) {
    this.#d = new Float64Array(Math.max(1, initialSlots) * STRIDE);
  }

  get count(): number {
    return this.#count;
  }

  /** A new slot holding `a`'s numbers; returns its number. */
  push(a: Allocation): number {
    const slot = this.#count;
    let d = this.#d;
    if ((slot + 1) * STRIDE > d.length) {
      const grown = new Float64Array(d.length * 2);
      grown.set(d);
      this.#d = d = grown;
    }
    const o = slot * STRIDE;
    d[o + START] = a.start;
    d[o + END] = a.end;
    d[o + CPU_CORE_HOURS] = a.cpuCoreHours;
    d[o + CPU_REQUEST_AVERAGE] = a.cpuCoreRequestAverage;
    d[o + CPU_COST] = a.cpuCost;
    d[o + CPU_ADJUSTMENT] = a.cpuCostAdjustment;
    d[o + GPU_HOURS] = a.gpuHours;
    d[o + GPU_REQUEST_AVERAGE] = a.gpuRequestAverage;
    d[o + GPU_COST] = a.gpuCost;
    d[o + GPU_ADJUSTMENT] = a.gpuCostAdjustment;
    d[o + RAM_BYTE_HOURS] = a.ramByteHours;
    d[o + RAM_REQUEST_AVERAGE] = a.ramByteRequestAverage;
    d[o + RAM_COST] = a.ramCost;
    d[o + RAM_ADJUSTMENT] = a.ramCostAdjustment;
    d[o + PV_BYTE_HOURS] = a.pvByteHours;
    d[o + PV_COST] = a.pvCost;
    d[o + PV_ADJUSTMENT] = a.pvCostAdjustment;
    this.#count = slot + 1;
    return slot;
  }

  /** Folds `src`'s numbers into slot `slot` as addAllocationInto folds them into a record. */
  fold(slot: number, src: Allocation): void {
    const d = this.#d;
    const o = slot * STRIDE;
    const tStart = d[o + START] ?? 0;
    const tEnd = d[o + END] ?? 0;
    const tSpan = tEnd - tStart;
    const sSpan = src.end - src.start;
    const cpuReq = (d[o + CPU_REQUEST_AVERAGE] ?? 0) * tSpan + src.cpuCoreRequestAverage * sSpan;
    const gpuReq = (d[o + GPU_REQUEST_AVERAGE] ?? 0) * tSpan + src.gpuRequestAverage * sSpan;
    const ramReq = (d[o + RAM_REQUEST_AVERAGE] ?? 0) * tSpan + src.ramByteRequestAverage * sSpan;
    const start = src.start < tStart ? src.start : tStart;
    const end = src.end > tEnd ? src.end : tEnd;
    d[o + START] = start;
    d[o + END] = end;
    const span = end - start;
    d[o + CPU_REQUEST_AVERAGE] = span > 0 ? cpuReq / span : 0;
    d[o + GPU_REQUEST_AVERAGE] = span > 0 ? gpuReq / span : 0;
    d[o + RAM_REQUEST_AVERAGE] = span > 0 ? ramReq / span : 0;
    d[o + CPU_CORE_HOURS] = (d[o + CPU_CORE_HOURS] ?? 0) + src.cpuCoreHours;
    d[o + CPU_COST] = (d[o + CPU_COST] ?? 0) + src.cpuCost;
    d[o + CPU_ADJUSTMENT] = (d[o + CPU_ADJUSTMENT] ?? 0) + src.cpuCostAdjustment;
    d[o + GPU_HOURS] = (d[o + GPU_HOURS] ?? 0) + src.gpuHours;
    d[o + GPU_COST] = (d[o + GPU_COST] ?? 0) + src.gpuCost;
    d[o + GPU_ADJUSTMENT] = (d[o + GPU_ADJUSTMENT] ?? 0) + src.gpuCostAdjustment;
    d[o + RAM_BYTE_HOURS] = (d[o + RAM_BYTE_HOURS] ?? 0) + src.ramByteHours;
    d[o + RAM_COST] = (d[o + RAM_COST] ?? 0) + src.ramCost;
    d[o + RAM_ADJUSTMENT] = (d[o + RAM_ADJUSTMENT] ?? 0) + src.ramCostAdjustment;
    d[o + PV_BYTE_HOURS] = (d[o + PV_BYTE_HOURS] ?? 0) + src.pvByteHours;
    d[o + PV_COST] = (d[o + PV_COST] ?? 0) + src.pvCost;
    d[o + PV_ADJUSTMENT] = (d[o + PV_ADJUSTMENT] ?? 0) + src.pvCostAdjustment;
  }

  /** The allocation of slot `slot` with the rest of it from `label` (its objects shared, not copied). */
  allocation(slot: number, label: AllocationLabel): Allocation {
    const d = this.#d;
    const o = slot * STRIDE;
    const at = (i: number): number => d[o + i] ?? 0;
    // The field order of every other Allocation literal (cloneAllocation), so all share one shape.
    return {
      name: label.name,
      properties: label.properties,
      start: at(START),
      end: at(END),
      cpuCoreHours: at(CPU_CORE_HOURS),
      cpuCoreRequestAverage: at(CPU_REQUEST_AVERAGE),
      cpuCost: at(CPU_COST),
      cpuCostAdjustment: at(CPU_ADJUSTMENT),
      gpuHours: at(GPU_HOURS),
      gpuRequestAverage: at(GPU_REQUEST_AVERAGE),
      gpuCost: at(GPU_COST),
      gpuCostAdjustment: at(GPU_ADJUSTMENT),
      ramByteHours: at(RAM_BYTE_HOURS),
      ramByteRequestAverage: at(RAM_REQUEST_AVERAGE),
      ramCost: at(RAM_COST),
      ramCostAdjustment: at(RAM_ADJUSTMENT),
      pvByteHours: at(PV_BYTE_HOURS),
      pvCost: at(PV_COST),
      pvCostAdjustment: at(PV_ADJUSTMENT),
      pvs: label.pvs,
    };
  }
}

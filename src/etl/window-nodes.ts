/**
 * A window's nodes by name, each with its records clipped to the window and summed, the prices
 * that apply, and what its containers were charged (build-allocations.ts adds that up; the rest
 * is the node's idle).
 */
import type { PriceSheet } from '../cost/price-sheet.js';
import type { Window } from '../window.js';
import type { NodeRecord } from './cluster-state.js';
import type { NodeAsset } from './sets.js';
import { nodePrices, type NodePrices, type UnitPrices } from './unit-prices.js';
import { HOUR_MS } from '../window.js';
import { clippedEnd, clippedStart } from './window-clip.js';

/** A node name's records in the window, summed (as its asset sums them), and what its containers were charged. */
export interface NodeEntry extends Pick<NodeAsset, 'start' | 'end' | 'cpuCoreHours' | 'ramByteHours' | 'gpuHours' | 'cpuCost' | 'ramCost' | 'gpuCost'> {
  /** The record whose prices and properties apply: the latest started of the name. */
  record: NodeRecord;
  prices: NodePrices;
  usedCpuCoreHours: number;
  usedRamByteHours: number;
  usedGpuHours: number;
  usedCpuCost: number;
  usedRamCost: number;
  usedGpuCost: number;
}

/** The nodes in the window by name, at the prices of `sheet` (a name seen twice is summed, at its latest record's prices). */
export function indexNodes(records: readonly NodeRecord[], window: Window, sheet: PriceSheet, defaults: UnitPrices): Map<string, NodeEntry> {
  const nodes = new Map<string, NodeEntry>();
  for (const record of records) {
    const start = clippedStart(window, record.start, record.end);
    if (Number.isNaN(start)) continue;
    const end = clippedEnd(window, record.end);
    const hours = (end - start) / HOUR_MS;
    const prices = nodePrices(record, sheet, defaults);
    const entry = nodes.get(record.name);
    if (entry === undefined) {
      nodes.set(record.name, {
        record,
        prices,
        start,
        end,
        cpuCoreHours: record.cpuCores * hours,
        ramByteHours: record.ramBytes * hours,
        gpuHours: record.gpus * hours,
        cpuCost: prices.cpuHourly * hours,
        ramCost: prices.ramHourly * hours,
        gpuCost: prices.gpuHourly * hours,
        usedCpuCoreHours: 0,
        usedRamByteHours: 0,
        usedGpuHours: 0,
        usedCpuCost: 0,
        usedRamCost: 0,
        usedGpuCost: 0,
      });
      continue;
    }
    // The same name twice in one window: a node deleted and recreated. One asset, summed.
    if (record.start > entry.record.start) {
      entry.record = record;
      entry.prices = prices;
    }
    entry.start = Math.min(entry.start, start);
    entry.end = Math.max(entry.end, end);
    entry.cpuCoreHours += record.cpuCores * hours;
    entry.ramByteHours += record.ramBytes * hours;
    entry.gpuHours += record.gpus * hours;
    entry.cpuCost += prices.cpuHourly * hours;
    entry.ramCost += prices.ramHourly * hours;
    entry.gpuCost += prices.gpuHourly * hours;
  }
  return nodes;
}

/**
 * The hourly prices a window's records are charged at: the sheet's unit prices, and each node's
 * (its instance type's price, when the sheet has one, spread over its capacity). Pure functions.
 */
import { resourceCosts, type PriceSheet } from '../cost/price-sheet.js';
import { decimalQuotient } from '../cost/decimal.js';
import type { NodeRecord } from './cluster-state.js';

/** Hourly prices of one unit of each resource a container requests. */
export interface UnitPrices {
  /** Per core-hour. */
  readonly cpu: number;
  /** Per byte-hour. */
  readonly ram: number;
  /** Per GPU-hour. */
  readonly gpu: number;
}

/** The sheet's hourly unit prices: the compute defaults, storage and load balancers. */
export interface SheetUnitPrices extends UnitPrices {
  /** Per byte-hour of persistent volume. */
  readonly storage: number;
  /** Per hour of one LoadBalancer service. */
  readonly loadBalancer: number;
}

/** What one node costs per hour, per resource, and the unit prices its containers pay. */
export interface NodePrices {
  readonly unit: UnitPrices;
  readonly cpuHourly: number;
  readonly ramHourly: number;
  readonly gpuHourly: number;
}

const GIB = 2 ** 30;

/** Hourly unit prices from a sheet, divided as resourceCosts() divides them (exact decimals, rounded once). */
export function sheetUnitPrices(sheet: PriceSheet): SheetUnitPrices {
  const compute = resourceCosts(sheet);
  return {
    cpu: compute.costPerCPUCoreHour,
    ram: compute.costPerRAMByteHour,
    gpu: compute.costPerGPUHour,
    storage: decimalQuotient(sheet.storageGiBMonth, sheet.hoursPerMonth * GIB),
    loadBalancer: sheet.loadBalancerHour,
  };
}

/**
 * A node's prices. Without a sheet price for its instance type, its capacity at the default unit
 * prices. With one (P per hour for the whole node), the default unit prices scaled by one factor
 * so that the capacity costs exactly P: P is split over CPU, RAM and GPU in proportion to what
 * each costs at the defaults. A priced node with no capacity (or capacity worth nothing at the
 * defaults) puts all of P on CPU; its containers then pay the defaults.
 */
export function nodePrices(node: Pick<NodeRecord, 'cpuCores' | 'ramBytes' | 'gpus' | 'instanceType'>, sheet: PriceSheet, defaults: UnitPrices): NodePrices {
  const typePrice = node.instanceType === undefined ? undefined : sheet.instanceTypes?.[node.instanceType];
  const cpuHourly = node.cpuCores * defaults.cpu;
  const ramHourly = node.ramBytes * defaults.ram;
  const gpuHourly = node.gpus * defaults.gpu;
  if (typePrice === undefined) return { unit: defaults, cpuHourly, ramHourly, gpuHourly };
  const atDefaults = cpuHourly + ramHourly + gpuHourly;
  if (!(atDefaults > 0)) return { unit: defaults, cpuHourly: typePrice, ramHourly: 0, gpuHourly: 0 };
  const scale = typePrice / atDefaults;
  return {
    unit: { cpu: defaults.cpu * scale, ram: defaults.ram * scale, gpu: defaults.gpu * scale },
    cpuHourly: cpuHourly * scale,
    ramHourly: ramHourly * scale,
    gpuHourly: gpuHourly * scale,
  };
}

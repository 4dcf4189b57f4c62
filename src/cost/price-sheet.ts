/**
 * The price sheet: what a unit of each resource costs. Defaults are Kubecost's (OpenCost's
 * us-central1 list prices), under which the Kubecost audit example reproduces to the last digit;
 * `PRICING_CONFIG` names a JSON file that overrides any subset of them.
 */
import { Type, type Static, type TNumber, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { decimalQuotient } from './decimal.js';
import { PriceSheetError } from './errors.js';
import { errorMessage } from '../errors.js';

const price = (description: string): TNumber =>
  Type.Number({ minimum: 0, description: `a finite number >= 0 (${description})` });

const priceSheetProperties = {
  cpuCoreMonth: price('price of one CPU core for a month'),
  ramGiBMonth: price('price of one GiB of memory for a month'),
  gpuHour: price('price of one GPU for an hour'),
  hoursPerMonth: Type.Number({ exclusiveMinimum: 0, description: 'a finite number > 0 (hours in a billing month)' }),
  storageGiBMonth: price('price of one GiB of persistent volume for a month'),
  loadBalancerHour: price('price of one LoadBalancer service for an hour'),
  instanceTypes: Type.Optional(
    Type.Record(Type.String(), price('hourly price of that instance type'), {
      description: 'an object mapping node instance type (node.kubernetes.io/instance-type) to its hourly price',
    }),
  ),
};

/** Every price the cost domain uses; money is in the sheet's one currency. */
export const PriceSheetSchema = Type.Object(priceSheetProperties, { additionalProperties: false });

/** A price sheet. */
export type PriceSheet = Static<typeof PriceSheetSchema>;

/** What a `PRICING_CONFIG` file may hold: some or all of the price sheet, nothing else. */
export const PriceSheetOverridesSchema = Type.Partial(PriceSheetSchema, { additionalProperties: false });

/** Kubecost's defaults: 23.08 per core-month, 3.09 per GiB-month, 0.95 per GPU-hour, 730-hour months. */
export const DEFAULT_PRICE_SHEET: Readonly<PriceSheet> = Object.freeze({
  cpuCoreMonth: 23.08,
  ramGiBMonth: 3.09,
  gpuHour: 0.95,
  hoursPerMonth: 730,
  storageGiBMonth: 0.04,
  loadBalancerHour: 0.025,
});

/** Hourly unit prices, named and shaped as in Kubecost's audit events. */
export const ResourceCostsSchema = Type.Object({
  costPerCPUCoreHour: Type.Number(),
  costPerRAMByteHour: Type.Number(),
  costPerGPUHour: Type.Number(),
});

/** Hourly unit prices of CPU, memory and GPU. */
export type ResourceCosts = Static<typeof ResourceCostsSchema>;

const GIB = 2 ** 30;

/**
 * Hourly unit prices from a sheet. Divided as exact decimals and rounded once, which gives
 * Kubecost's 0.031616438356164386 for 23.08 / 730 (plain float division gives ...438, one ulp less).
 */
export function resourceCosts(sheet: PriceSheet): ResourceCosts {
  return {
    costPerCPUCoreHour: decimalQuotient(sheet.cpuCoreMonth, sheet.hoursPerMonth),
    costPerRAMByteHour: decimalQuotient(sheet.ramGiBMonth, sheet.hoursPerMonth * GIB),
    costPerGPUHour: sheet.gpuHour,
  };
}

const ACCEPTED_KEYS = Object.keys(priceSheetProperties).join(', ');

/** Parses a `PRICING_CONFIG` JSON text over the defaults; throws {@link PriceSheetError} naming `sourceName`. */
export function loadPriceSheet(jsonText: string, sourceName: string, base: PriceSheet = DEFAULT_PRICE_SHEET): PriceSheet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonText);
  } catch (err) {
    const detail = errorMessage(err);
    throw new PriceSheetError(`${sourceName}: not valid JSON (${detail})`);
  }
  const errors = [...Value.Errors(PriceSheetOverridesSchema, parsed)];
  if (errors.length > 0) {
    throw new PriceSheetError(`${sourceName}: ${errors.map(describe).join('; ')}`);
  }
  // Checked above; Value.Check narrows the type without a cast.
  if (!Value.Check(PriceSheetOverridesSchema, parsed)) throw new PriceSheetError(`${sourceName}: invalid`);
  return { ...base, ...parsed };
}

function describe(error: ValueError): string {
  const at = error.path === '' ? '/' : error.path;
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return `at ${at}: unknown setting; accepted settings: ${ACCEPTED_KEYS}`;
  }
  if (error.path === '') {
    return `at /: expected a JSON object with any of ${ACCEPTED_KEYS}, got ${shown(error.value)}`;
  }
  return `at ${at}: expected ${accepted(error.schema)}, got ${shown(error.value)}`;
}

function accepted(schema: TSchema): string {
  return typeof schema.description === 'string' ? schema.description : 'a finite number >= 0';
}

function shown(value: unknown): string {
  // JSON.stringify turns Infinity (from 1e999) into null; say what it really was.
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return String(value);
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

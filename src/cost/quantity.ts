/**
 * Kubernetes resource quantities (`100m`, `32Mi`, `1.5e3`), parsed to numbers and printed back in
 * the canonical form `kubectl` and the API server print.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource, Quantity):
 *   quantity ::= [+-] number suffix
 *   number   ::= digits | digits "." digits | digits "." | "." digits
 *   suffix   ::= "" | n u m k M G T P E | Ki Mi Gi Ti Pi Ei | (e|E) [+-] digits
 * Like apimachinery, values are kept to the nano: a finer non-zero remainder rounds away from zero
 * (`0.9n` is `1n`). Unlike apimachinery's lenient scanner, degenerate strings it lets through
 * (`.`, `+`, `Mi`) are rejected: the documented grammar requires a digit.
 */
import { decimalOf, type Decimal } from './decimal.js';
import { QuantityError } from './errors.js';

/** Quantities longer than this are refused, so a hostile manifest cannot make us do big-number work. */
export const MAX_QUANTITY_LENGTH = 100;

const QUANTITY_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:([KMGTPE]i)|[eE]([+-]?\d+)|([numkMGTPE]))?$/;

const DECIMAL_SUFFIX_EXPONENT: Readonly<Record<string, number>> = {
  n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};
const BINARY_SUFFIX_POWER: Readonly<Record<string, number>> = {
  Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60,
};
const DECIMAL_SUFFIX_BY_EXPONENT: Readonly<Record<number, string>> = {
  [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E',
};
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

const NANO_EXPONENT = -9;
/** Past 10^400 a double is Infinity anyway; checked before building an exponent string. */
const MAX_DECIMAL_EXPONENT = 400;

const ACCEPTED =
  'expected a number with an optional sign and suffix: n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e<exponent> (e.g. 100m, 1.5Gi, 1e3)';

/**
 * Values of the quantities parsed so far. A cluster writes few distinct quantities (`100m`,
 * `128Mi`, …) over and over: the audit reads two or more per watched change, and each parse is a
 * regular expression and several strings. Bounded: at most this many keys of at most
 * MAX_QUANTITY_LENGTH characters (about 100 KB), cleared when full. Refused strings are not kept.
 */
const parsed = new Map<string, number>();
const MAX_PARSED = 1024;

/** Parses a Kubernetes quantity string to its value (cores, bytes, count); throws {@link QuantityError}. */
export function parseQuantity(input: string): number {
  // Refused before a long string is hashed for the lookup.
  if (input.length > MAX_QUANTITY_LENGTH) return parseNew(input);
  const known = parsed.get(input);
  if (known !== undefined) return known;
  const value = parseNew(input);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(input, value);
  return value;
}

function parseNew(input: string): number {
  if (input.length === 0) throw new QuantityError(input, `empty; ${ACCEPTED}`);
  if (input.length > MAX_QUANTITY_LENGTH) {
    throw new QuantityError(input.slice(0, 20) + '…', `longer than ${MAX_QUANTITY_LENGTH} characters`);
  }
  const m = QUANTITY_RE.exec(input);
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  if (m === null || intPart.length + fracPart.length === 0) throw new QuantityError(input, ACCEPTED);
  const [, sign, , , binary, exponent, decimal] = m;

  let digits = (intPart + fracPart).replace(/^0+/, '');
  if (digits === '') return 0;
  const trimmed = digits.replace(/0+$/, '');
  let e10 = digits.length - trimmed.length - fracPart.length;
  digits = trimmed;
  if (exponent !== undefined) e10 += Number(exponent);
  else if (decimal !== undefined) e10 += DECIMAL_SUFFIX_EXPONENT[decimal] ?? 0;

  const value =
    binary === undefined ? decimalValue(digits, e10) : binaryValue(digits, e10, BINARY_SUFFIX_POWER[binary] ?? 0);
  if (!Number.isFinite(value)) throw new QuantityError(input, 'too large');
  return sign === '-' ? -value : value;
}

/** Parses a quantity as it may appear in JSON or YAML: a string, or a bare number (`cpu: 2`). */
export function parseQuantityValue(value: string | number): number {
  // apimachinery unmarshals a bare JSON number by parsing its text; String() gives text of the
  // same value, and NaN or Infinity (possible from YAML .nan / .inf) fail the grammar.
  return parseQuantity(typeof value === 'number' ? String(value) : value);
}

/** digits × 10^e10, digits without trailing zeros, kept to the nano (remainder rounded up). */
function decimalValue(digits: string, e10: number): number {
  if (e10 + digits.length > MAX_DECIMAL_EXPONENT) return Infinity;
  if (e10 >= NANO_EXPONENT) {
    // Fast path for the usual `100m`, `2`, `1.5`: both operands are exact doubles (an integer
    // below 2^53, a power of ten up to 10^22), so one IEEE operation gives the nearest double.
    if (digits.length <= 15 && e10 <= 22) {
      const n = Number(digits);
      return e10 < 0 ? n / 10 ** -e10 : n * 10 ** e10;
    }
    return Number(`${digits}e${e10}`);
  }
  // Finer than a nano, and digits end in a non-zero digit, so there is always a remainder.
  const keep = digits.length - (NANO_EXPONENT - e10);
  const nanos = keep > 0 ? BigInt(digits.slice(0, keep)) + 1n : 1n;
  return Number(`${nanos}e${NANO_EXPONENT}`);
}

/** digits × 10^e10 × 2^power, kept to the nano (remainder rounded up). */
function binaryValue(digits: string, e10: number, power: number): number {
  // Scaling by a power of two is exact in binary floating point, so one rounding happens here.
  if (e10 >= NANO_EXPONENT) return decimalValue(digits, e10) * 2 ** power;
  const dropped = NANO_EXPONENT - e10;
  // Fewer than `dropped` digits in digits × 2^power means the value is below one nano.
  if (dropped > digits.length + 20) return 1e-9;
  const n = BigInt(digits) << BigInt(power);
  const d = 10n ** BigInt(dropped);
  const nanos = n / d + (n % d === 0n ? 0n : 1n);
  return Number(`${nanos}e${NANO_EXPONENT}`);
}

/**
 * Rounds to the nearest nano, the finest step a quantity has. Sums and products of parsed
 * quantities pick up binary noise (0.1 + 0.2); this snaps them back to the decimal Kubernetes
 * would hold, so 3 × 100m prices exactly as 300m.
 */
export function roundToNano(x: number): number {
  // Beyond 2^53 nanos a double cannot resolve a nano any more: x is as exact as it can be.
  if (!(Math.abs(x) < Number.MAX_SAFE_INTEGER / 1e9)) return x;
  const rounded = Math.round(x * 1e9) / 1e9;
  return rounded === 0 ? 0 : rounded;
}

/** `x` rounded half away from zero to the nano, as an exact decimal with exponent ≥ -9. */
function nanoDecimal(x: number): Decimal {
  const d = decimalOf(x);
  if (d.digits === '' || d.exponent >= NANO_EXPONENT) return d;
  const keep = d.digits.length - (NANO_EXPONENT - d.exponent);
  if (keep < 0) return { negative: false, digits: '', exponent: 0 };
  const roundUp = (d.digits[keep] ?? '0') >= '5';
  let kept = keep > 0 ? BigInt(d.digits.slice(0, keep)) : 0n;
  if (roundUp) kept += 1n;
  if (kept === 0n) return { negative: false, digits: '', exponent: 0 };
  const text = kept.toString();
  const digits = text.replace(/0+$/, '');
  return { negative: d.negative, digits, exponent: NANO_EXPONENT + text.length - digits.length };
}

/** Canonical decimal-SI text: the largest suffix that leaves an integer mantissa (`1500m`, `2`, `3k`). */
function formatDecimalSI(d: Decimal): string {
  if (d.digits === '') return '0';
  const e3 = Math.floor(d.exponent / 3) * 3;
  const mantissa = (d.negative ? '-' : '') + d.digits + '0'.repeat(d.exponent - e3);
  // apimachinery has no suffix past E (10^18) and falls back to exponent notation there.
  const suffix = DECIMAL_SUFFIX_BY_EXPONENT[e3];
  return suffix === undefined ? `${mantissa}e${e3}` : mantissa + suffix;
}

/** CPU cores in canonical Kubernetes form: `0.1` → `100m`, `1.5` → `1500m`, `2` → `2`. */
export function formatCpu(cores: number): string {
  return formatDecimalSI(nanoDecimal(cores));
}

/** A count (GPUs) in canonical Kubernetes form: `1` → `1`, `0.5` → `500m`. */
export function formatCount(count: number): string {
  return formatDecimalSI(nanoDecimal(count));
}

/**
 * Bytes in canonical Kubernetes form: the largest binary suffix that divides exactly (`32Mi`,
 * `1536Mi`, `1Gi`); else, since we no longer know how the user wrote it, the decimal-SI form
 * (`1G`, `1025`, `1500m`). Below 1024 it is always decimal, as in apimachinery.
 */
export function formatMemory(bytes: number): string {
  if (Number.isInteger(bytes) && Math.abs(bytes) >= 1024) {
    // BigInt of an integral double is its exact value, even past 2^53 where the shortest decimal is not.
    let n = BigInt(Math.abs(bytes));
    let power = 0;
    while (power < BINARY_SUFFIXES.length - 1 && n % 1024n === 0n) {
      n /= 1024n;
      power += 1;
    }
    if (power > 0) return `${bytes < 0 ? '-' : ''}${n}${BINARY_SUFFIXES[power] ?? ''}`;
  }
  return formatDecimalSI(nanoDecimal(bytes));
}

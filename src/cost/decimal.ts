/**
 * Exact decimal views of doubles. Prices and quantities are written by people in decimal
 * (`23.08`, `100m`); a double only approximates them. Where the last digit of a result is part
 * of the contract (Kubecost prints `costPerCPUCoreHour` as 0.031616438356164386), we compute on
 * the decimal the person wrote and round once at the end, as Go's constant arithmetic does.
 */

/** A finite double as the shortest decimal that reads back as it: `(-1)^negative × digits × 10^exponent`. */
export interface Decimal {
  readonly negative: boolean;
  /** Decimal digits without leading or trailing zeros; `''` for zero. */
  readonly digits: string;
  readonly exponent: number;
}

/** The shortest decimal that round-trips to `x` (the digits `String(x)` prints). */
export function decimalOf(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return { negative: false, digits: '', exponent: 0 };
  // toExponential() without an argument yields the shortest round-trip digits, in one fixed shape.
  const text = Math.abs(x).toExponential();
  const e = text.indexOf('e');
  const mantissa = text.slice(0, e).replace('.', '');
  const digits = mantissa.replace(/0+$/, '');
  const exponent = Number(text.slice(e + 1)) - (mantissa.length - 1) + (mantissa.length - digits.length);
  return { negative: x < 0, digits, exponent };
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** The double nearest to the positive rational `n / d` (ties to even), for results in the normal range. */
export function nearestDouble(n: bigint, d: bigint): number {
  if (n <= 0n || d <= 0n) {
    if (n === 0n && d > 0n) return 0;
    throw new RangeError('nearestDouble takes a positive numerator and denominator');
  }
  // Scale so the integer quotient has at least 55 bits: 53 to keep, one to round on, one spare.
  const shift = Math.max(0, 55 + bitLength(d) - bitLength(n));
  const scaled = n << BigInt(shift);
  const q = scaled / d;
  const sticky = scaled % d !== 0n;
  const drop = bitLength(q) - 53;
  let mantissa = q >> BigInt(drop);
  const rest = q & ((1n << BigInt(drop)) - 1n);
  const half = 1n << BigInt(drop - 1);
  if (rest > half || (rest === half && (sticky || (mantissa & 1n) === 1n))) mantissa += 1n;
  return Number(mantissa) * 2 ** (drop - shift);
}

/** `a / b` computed on the decimals `a` and `b` are written as, rounded once to the nearest double. */
export function decimalQuotient(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero');
  const da = decimalOf(a);
  const db = decimalOf(b);
  if (da.digits === '') return 0;
  let n = BigInt(da.digits);
  let d = BigInt(db.digits);
  const shift = da.exponent - db.exponent;
  if (shift >= 0) n *= 10n ** BigInt(shift);
  else d *= 10n ** BigInt(-shift);
  const q = nearestDouble(n, d);
  return da.negative === db.negative ? q : -q;
}

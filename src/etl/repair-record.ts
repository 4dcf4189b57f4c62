import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** How a repair stands: running, done, failed (its error says why), or interrupted by a stop of the server. */
export const RepairStateSchema = Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('interrupted')]);

/** A range a repair did not rebuild, and why. Times are epoch ms. */
const NotRebuiltSchema = Type.Object({ start: Type.Number(), end: Type.Number(), reason: Type.String() });

/**
 * A repair as it is kept (storage holds its JSON, one per cluster): the range asked for, aligned to
 * ETL_RESOLUTION and cut at the last closed window, what was rebuilt of it and what not. Times are epoch ms.
 */
export const RepairRecordSchema = Type.Object({
  id: Type.String(),
  cluster: Type.String(),
  category: Type.Union([Type.Literal('allocation'), Type.Literal('asset')]),
  start: Type.Number(),
  end: Type.Number(),
  /** The start of what is rebuilt: before it, `notRebuilt`. */
  from: Type.Number(),
  state: RepairStateSchema,
  windows: Type.Integer({ minimum: 0 }),
  rebuilt: Type.Integer({ minimum: 0 }),
  days: Type.Integer({ minimum: 0 }),
  rolledUp: Type.Integer({ minimum: 0 }),
  startedAt: Type.Number(),
  endedAt: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
  notRebuilt: Type.Array(NotRebuiltSchema, { maxItems: 2 }),
  notes: Type.Array(Type.String(), { maxItems: 4 }),
});

export type RepairRecord = Static<typeof RepairRecordSchema>;
export type NotRebuilt = Static<typeof NotRebuiltSchema>;
export type RepairState = Static<typeof RepairStateSchema>;

/** A stored repair record read back; undefined when it is not one (written by another version): it is then ignored. */
export function parseRepairRecord(body: string): RepairRecord | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return Value.Check(RepairRecordSchema, value) ? value : undefined;
  } catch {
    return undefined;
  }
}

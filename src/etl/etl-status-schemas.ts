import { Type, type Static } from '@sinclair/typebox';
import { RepairStateSchema } from './repair-record.js';

// The shapes of GET /model/etl/status. Kubecost's ETLStatus (opencost pkg/kubecost/status.go:
// coverage, lastRun, nextRun, progress, refreshRate, resolution, startTime) keeps its names; the
// rest is this server's own and says what Kubecost leaves to its logs.

const Time = (description: string) => Type.String({ format: 'date-time', description, examples: ['2024-05-03T11:00:00Z'] });
const NullableTime = (description: string) => Type.Union([Time(description), Type.Null()], { description });

/** A `[start, end)` range, RFC 3339 to the second, as Kubecost prints a window. */
export const RangeSchema = Type.Object(
  { start: Type.String({ format: 'date-time', examples: ['2024-05-03T10:00:00Z'] }), end: Type.String({ format: 'date-time', examples: ['2024-05-03T12:00:00Z'] }) },
  { additionalProperties: false },
);

/** Kubecost's data statuses (kubecost_allocation_data_status, kubecost_asset_data_status): sets and windows of a store by state. */
export const DataStatusSchema = Type.Object(
  {
    success: Type.Integer({ minimum: 0, description: 'Stored sets with at least one record.' }),
    empty: Type.Integer({ minimum: 0, description: 'Stored sets with no record.' }),
    error: Type.Integer({ minimum: 0, description: 'Expected windows not stored whose last build failed (ComputeError): the pipeline retries them at its next run.' }),
    warning: Type.Integer({ minimum: 0, description: 'Expected windows not stored that no build tried (the server was down, or its first runs failed): a repair fills them.' }),
  },
  { additionalProperties: false },
);
export type DataStatus = Static<typeof DataStatusSchema>;

/** A run of missing windows of one cluster, merged. */
export const MissingRangeSchema = Type.Object(
  {
    cluster: Type.String(),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
    windows: Type.Integer({ minimum: 1, description: 'Windows of the store\'s resolution in the range.' }),
    status: Type.Union([Type.Literal('error'), Type.Literal('warning')], { description: 'As in `dataStatus`: error when the last build of these windows failed, else warning.' }),
  },
  { additionalProperties: false },
);

/** One store: the sets of one category and resolution (`ETL_RESOLUTION`, or the daily roll-up). */
export const StoreStatusSchema = Type.Object(
  {
    resolution: Type.String({ description: 'Width of the store\'s windows (Kubecost: resolution).', examples: ['1h', '1d'] }),
    refreshRate: Type.String({ description: 'How often the pipeline adds a set to this store (Kubecost: refreshRate).', examples: ['1h', '1d'] }),
    coverage: Type.Union([RangeSchema, Type.Null()], { description: 'From the oldest stored window\'s start to the newest\'s end, over the selected clusters; null when none is stored (Kubecost: coverage).' }),
    startTime: NullableTime('When this server\'s pipeline started; null without a cluster or when this server\'s cluster is not selected (Kubecost: startTime).'),
    lastRun: NullableTime('When the last run of the pipeline ended (Kubecost: lastRun).'),
    nextRun: NullableTime('When the next run is due.'),
    progress: Type.Number({ minimum: 0, maximum: 1, description: 'presentWindows / expectedWindows, 1 when none is expected (Kubecost: progress).' }),
    expectedWindows: Type.Integer({
      minimum: 0,
      description:
        'Closed windows within retention that should be stored, per selected cluster summed: from its oldest stored window (or, for this server\'s cluster, the first window its pipeline built) to the last closed one.',
    }),
    presentWindows: Type.Integer({ minimum: 0, description: 'Those of the expected windows that are stored.' }),
    missingWindows: Type.Integer({ minimum: 0, description: 'expectedWindows − presentWindows.' }),
    missing: Type.Array(MissingRangeSchema, { maxItems: 50, description: 'The missing windows merged into ranges, oldest first; at most 50 ranges (see missingTruncated).' }),
    missingTruncated: Type.Boolean({ description: 'True when more ranges are missing than `missing` lists.' }),
    dataStatus: DataStatusSchema,
  },
  { additionalProperties: false },
);
export type StoreStatus = Static<typeof StoreStatusSchema>;

/** The stores of one category, by resolution. */
export const CategoryStatusSchema = Type.Record(Type.String(), StoreStatusSchema, { description: 'By resolution: ETL_RESOLUTION (such as 1h) and 1d.' });

/** A repair as the status and the repair routes show it. */
export const RepairJsonSchema = Type.Object(
  {
    id: Type.String({ examples: ['allocation-1h-1714755600000-1'] }),
    cluster: Type.String(),
    category: Type.Union([Type.Literal('allocation'), Type.Literal('asset')]),
    window: Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }) }, {
      additionalProperties: false,
      description: 'The range asked for, aligned to ETL_RESOLUTION and cut at the last closed window.',
    }),
    state: RepairStateSchema,
    progress: Type.Number({ minimum: 0, maximum: 1, description: '(windows rebuilt + days rolled up) / (windows + days); 1 when there is nothing to do.' }),
    windows: Type.Integer({ minimum: 0, description: 'Windows to rebuild.' }),
    rebuilt: Type.Integer({ minimum: 0 }),
    days: Type.Integer({ minimum: 0, description: 'Closed days to roll up again.' }),
    rolledUp: Type.Integer({ minimum: 0 }),
    startTime: Time('When the repair started.'),
    endTime: NullableTime('When it ended (done, failed, or found interrupted at the restart); null while running.'),
    error: Type.Optional(Type.String({ description: 'Why it failed.' })),
    notRebuilt: Type.Array(
      Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }), reason: Type.String() }, { additionalProperties: false }),
      { description: 'What of the window was not rebuilt, and why (past retention, older than the cluster cache still knows).' },
    ),
    notes: Type.Array(Type.String(), { description: 'What the rebuilt sets lack, such as objects that ended before this server started.' }),
  },
  { additionalProperties: false },
);
export type RepairJson = Static<typeof RepairJsonSchema>;

/** The `data` of GET /model/etl/status. */
export const EtlStatusSchema = Type.Object(
  {
    healthy: Type.Boolean({ description: 'True unless the cluster cache is not ready or current, the last run failed, or a window is missing. One field for a probe.' }),
    reason: Type.Optional(Type.String({ description: 'Why it is not healthy, in one line; absent when healthy.' })),
    cluster: Type.Union([Type.String(), Type.Null()], { description: 'This server\'s CLUSTER_ID when it runs a pipeline; null without a cluster.' }),
    clusters: Type.Array(Type.String(), { description: 'The clusters reported: filterClusters, or every cluster with stored sets and this server\'s.' }),
    allocation: CategoryStatusSchema,
    assets: CategoryStatusSchema,
    pipeline: Type.Union(
      [
        Type.Object(
          {
            startTime: Time('When the pipeline started.'),
            lastRun: Type.Union([
              Type.Object(
                {
                  startTime: Time('When the run started.'),
                  endTime: Time('When it ended.'),
                  durationMs: Type.Integer({ minimum: 0 }),
                  outcome: Type.Union([Type.Literal('success'), Type.Literal('error'), Type.Literal('waiting')], {
                    description: 'success: every due window built; error: a build failed (ComputeError); waiting: a window waits for the cluster cache to be current.',
                  }),
                  windowsBuilt: Type.Integer({ minimum: 0 }),
                },
                { additionalProperties: false },
              ),
              Type.Null(),
            ]),
            nextRun: NullableTime('When the next run is due.'),
            lastError: Type.Union([Type.Object({ message: Type.String(), time: Time('When it happened.') }, { additionalProperties: false }), Type.Null()], {
              description: 'The last error of any run, kept after later runs succeed.',
            }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'This server\'s pipeline; null without a cluster or when its cluster is not selected.' },
    ),
    clusterCache: Type.Union(
      [
        Type.Object(
          {
            ready: Type.Boolean({ description: 'Every watch has listed the cluster.' }),
            current: Type.Boolean({ description: 'No watch is failing or relisting.' }),
            detail: Type.Optional(Type.String()),
            horizon: NullableTime('Ended objects are held from this time: a window starting earlier cannot be repaired (ETL_REPAIR_HORIZON); null when none was let go.'),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'This server\'s cluster cache; null without a cluster or when its cluster is not selected.' },
    ),
    repairRunning: Type.Boolean(),
    repairs: Type.Record(Type.String(), RepairJsonSchema, { description: 'The last repair of each selected cluster that has one.' }),
  },
  { additionalProperties: false },
);
export type EtlStatus = Static<typeof EtlStatusSchema>;

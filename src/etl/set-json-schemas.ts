/**
 * The JSON schemas of the sets set-json.ts renders (`/model/allocation` and `/model/assets`
 * answers), for the routes' response schemas and the OpenAPI document. Fields in the order
 * rendering writes them; descriptions say what each holds and how it is rounded.
 */
import { Type, type TSchema } from '@sinclair/typebox';

const float = (description: string): TSchema =>
  Type.Union([Type.Number(), Type.Null()], { description: `${description}; rounded to 5 decimals, null when not a finite number` });
const zero = (description: string): TSchema => Type.Number({ description: `${description}; always 0 here (not measured)` });
const time = (description: string): TSchema => Type.String({ format: 'date-time', description, examples: ['2024-05-03T08:00:00Z'] });
const text = (description: string): TSchema => Type.Optional(Type.String({ description: `${description}; absent when unknown` }));

const LabelsSchema = Type.Record(Type.String(), Type.String(), { description: 'Kubernetes labels, keys sorted' });

const WindowJsonSchema = Type.Object(
  { start: time('The set window’s start, inclusive'), end: time('The set window’s end, exclusive') },
  { description: 'The window of the set the record belongs to' },
);

const AllocationPropertiesJsonSchema = Type.Object(
  {
    cluster: text('The cluster id'),
    node: text('The node the pod ran on'),
    container: text('The container'),
    controller: text('The owning controller’s name (a Deployment’s name for its ReplicaSets’ pods)'),
    controllerKind: text('The owning controller’s kind in lower case: deployment, statefulset, daemonset, job, …'),
    namespace: text('The namespace'),
    pod: text('The pod'),
    providerID: text('The node’s cloud provider id'),
    labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'The pod’s labels (an aggregate: those all members share); absent when none' })),
  },
  { description: 'What the allocation describes; an aggregate keeps the properties all its members share. Empty values are omitted' },
);

/** One allocation as `/model/allocation` answers it (OpenCost's AllocationJSON, the fields computed here). */
export const AllocationJsonSchema = Type.Object(
  {
    name: Type.String({ description: 'Its key: cluster/node/namespace/pod/container, cluster/node/__idle__, or the aggregate’s key' }),
    properties: AllocationPropertiesJsonSchema,
    window: WindowJsonSchema,
    start: time('When it started running inside the window'),
    end: time('When it stopped running inside the window (the window’s end if still running)'),
    minutes: float('Minutes from start to end'),
    cpuCores: float('Average CPU cores: cpuCoreHours over the hours from start to end'),
    cpuCoreRequestAverage: float('CPU cores requested, averaged over the minutes from start to end'),
    cpuCoreHours: float('CPU core-hours: requested cores × hours running'),
    cpuCost: float('Cost of the CPU core-hours at the node’s price'),
    cpuCostAdjustment: float('Added to cpuCost by reconciliation with billing data'),
    gpuCount: float('Average GPUs: gpuHours over the hours from start to end'),
    gpuRequestAverage: float('GPUs requested, averaged over the minutes from start to end'),
    gpuHours: float('GPU-hours: requested GPUs × hours running'),
    gpuCost: float('Cost of the GPU-hours at the node’s price'),
    gpuCostAdjustment: float('Added to gpuCost by reconciliation with billing data'),
    networkCost: zero('Network cost'),
    loadBalancerCost: zero('Load balancer cost (load balancers are assets here)'),
    pvBytes: float('Average bytes of persistent volume: pvByteHours over the hours from start to end'),
    pvByteHours: float('Byte-hours of the persistent volumes its pod mounts (its share of them)'),
    pvCost: float('Cost of the persistent volume byte-hours'),
    pvs: Type.Union(
      [
        Type.Null(),
        Type.Record(
          Type.String(),
          Type.Object(
            {
              byteHours: Type.Number({ description: 'Byte-hours of this volume (unrounded, as OpenCost prints them)' }),
              cost: Type.Number({ description: 'Their cost' }),
            },
            { description: 'One volume’s share' },
          ),
        ),
      ],
      { description: 'Its share of each bound PersistentVolume, keyed cluster=<cluster>:name=<volume> as OpenCost keys them; null when none' },
    ),
    pvCostAdjustment: float('Added to pvCost by reconciliation with billing data'),
    ramBytes: float('Average bytes of memory: ramByteHours over the hours from start to end'),
    ramByteRequestAverage: float('Bytes of memory requested, averaged over the minutes from start to end'),
    ramByteHours: float('Memory byte-hours: requested bytes × hours running'),
    ramCost: float('Cost of the memory byte-hours at the node’s price'),
    ramCostAdjustment: float('Added to ramCost by reconciliation with billing data'),
    externalCost: zero('Out-of-cluster cost'),
    sharedCost: zero('Shared cost distributed to it'),
    totalCost: float('Every cost above with its adjustment'),
  },
  { $id: 'Allocation', description: 'The cost of one container (or an aggregate of them) over the part of the window it ran' },
);

const AssetPropertiesJsonSchema = Type.Object(
  {
    category: text('Compute (nodes), Storage (disks) or Network (load balancers)'),
    service: text('Kubernetes, for everything found in the cluster'),
    cluster: text('The cluster id'),
    name: text('The node, persistent volume or service name'),
    providerID: text('The cloud provider’s id of the machine or disk'),
    namespace: text('A load balancer’s namespace'),
  },
  { description: 'What the asset describes; an aggregate keeps those all members share. Empty values are omitted' },
);

const assetCommon = (type: string, description: string) => ({
  type: Type.Literal(type, { description }),
  properties: AssetPropertiesJsonSchema,
  labels: LabelsSchema,
  window: WindowJsonSchema,
  start: time('When it existed from, inside the window'),
  end: time('When it existed until, inside the window'),
  minutes: float('Minutes from start to end'),
});

const adjustment = float('Added to the cost by reconciliation with billing data (billed − computed)');
const totalCost = float('The cost with its adjustment');

/** A node asset. */
export const NodeAssetJsonSchema = Type.Object(
  {
    ...assetCommon('Node', 'A node'),
    nodeType: Type.String({ description: 'Its instance type (node.kubernetes.io/instance-type); empty when unlabelled' }),
    cpuCores: float('CPU cores of capacity'),
    ramBytes: float('Bytes of memory capacity'),
    cpuCoreHours: float('Core-hours of capacity over its time in the window'),
    ramByteHours: float('Byte-hours of memory capacity over its time in the window'),
    GPUHours: float('GPU-hours of capacity over its time in the window'),
    cpuCost: float('Cost of its CPU capacity'),
    gpuCost: float('Cost of its GPU capacity'),
    gpuCount: float('GPUs of capacity'),
    ramCost: float('Cost of its memory capacity'),
    adjustment,
    totalCost,
  },
  { description: 'A node: its capacity priced for the time it existed' },
);

/** A disk (persistent volume) asset. */
export const DiskAssetJsonSchema = Type.Object(
  {
    ...assetCommon('Disk', 'A persistent volume'),
    byteHours: float('Byte-hours of capacity over its time in the window'),
    bytes: float('Bytes of capacity'),
    adjustment,
    totalCost,
    storageClass: Type.String({ description: 'Its StorageClass; empty when none' }),
    volumeName: Type.String({ description: 'The PersistentVolume’s name' }),
    claimName: Type.String({ description: 'The claim bound to it; empty when unbound' }),
    claimNamespace: Type.String({ description: 'The bound claim’s namespace; empty when unbound' }),
  },
  { description: 'A persistent volume: its capacity priced for the time it existed' },
);

/** A load balancer asset. */
export const LoadBalancerAssetJsonSchema = Type.Object(
  {
    ...assetCommon('LoadBalancer', 'A Service of type LoadBalancer'),
    adjustment,
    totalCost,
    ip: Type.String({ description: 'Its ingress IP or hostname; empty until provisioned' }),
  },
  { description: 'A Service of type LoadBalancer: a flat hourly price for the time it existed' },
);

/** One asset as `/model/assets` answers it (OpenCost's asset JSON, the fields computed here). */
export const AssetJsonSchema = Type.Union([NodeAssetJsonSchema, DiskAssetJsonSchema, LoadBalancerAssetJsonSchema], {
  $id: 'Asset',
  description: 'A node, disk or load balancer of the cluster, priced for the time it existed in the window',
});

/** One aggregate of assets as `/model/assets?aggregate=…` answers it. */
export const AssetAggregateJsonSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('Node'), Type.Literal('Disk'), Type.Literal('LoadBalancer'), Type.Literal('Any')], {
      description: 'The members’ common type, or Any when they differ',
    }),
    properties: AssetPropertiesJsonSchema,
    labels: LabelsSchema,
    window: WindowJsonSchema,
    start: time('The earliest member start'),
    end: time('The latest member end'),
    minutes: float('Minutes from start to end'),
    count: Type.Integer({ minimum: 1, description: 'Assets in the group' }),
    cpuCost: float('Nodes’ CPU cost'),
    gpuCost: float('Nodes’ GPU cost'),
    ramCost: float('Nodes’ memory cost'),
    diskCost: float('Disks’ cost'),
    loadBalancerCost: float('Load balancers’ cost'),
    adjustment: float('Sum of the members’ adjustments'),
    totalCost: float('Every cost above with the adjustment'),
  },
  { $id: 'AssetAggregate', description: 'Assets grouped by the aggregate key: costs summed, properties and labels those all members share' },
);

/**
 * The scheduler contract: the `scheduler` stack output. The JSON Schema below
 * is the single source: the TypeScript type is derived from it, the committed
 * `schema/scheduler.schema.json` is generated from it (a test keeps them
 * equal), and every stack's planned output is validated against the file.
 * Pure: no Pulumi imports.
 */

/**
 * 2: burst groups say how to ask for capacity (`demand`), what the group is
 * (`target`), how members are discovered (`discovery`: role tag, validated
 * commit, in-service state) and scaled in (`scaleIn`); the standby carries its
 * own role tag (`logos-role=standby`).
 */
export const SCHEDULER_SCHEMA_VERSION = 2;

const nonEmpty = { type: "string", minLength: 1 } as const;

const validationSchema = {
  type: "object",
  description: "The last proof validation of this node.",
  additionalProperties: false,
  required: ["status"],
  properties: {
    status: {
      enum: ["pass", "fail", "pending", "disabled"],
      description: "pending: not run yet (e.g. before the first deploy finishes); disabled: logos-compute:validate is false.",
    },
    stage: {
      type: "string",
      description: "Stage reached or failed (guard, lock, snapshot, rebuild, boot, append-only, footprint, archive, done).",
    },
    ref: { type: "string", description: "Commit the node ran." },
    auditEntries: { type: "integer", minimum: 0, description: "Entries in the node's audit log after the run." },
  },
} as const;

const nodeSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name", "role", "host", "zone", "cpuSlots", "memoryGiB", "stateDir", "sshUser", "machineType", "validation"],
  properties: {
    name: { ...nonEmpty, description: "Node name; also its host name." },
    role: { enum: ["core", "standby", "burst"], description: "core: always on, schedulable; standby: warm spare; burst: autoscaled." },
    host: { ...nonEmpty, description: "Private address; reach it through the bastion (ssh -J)." },
    zone: { ...nonEmpty },
    cpuSlots: { type: "integer", minimum: 1, description: "vCPUs of the machine type: concurrent job slots." },
    memoryGiB: { type: "number", minimum: 1 },
    stateDir: { ...nonEmpty, description: "LOGOS_STATE_DIR on the node: the persistent, append-only audit state." },
    sshUser: { ...nonEmpty },
    machineType: { ...nonEmpty },
    validation: validationSchema,
  },
} as const;

const tagSchema = {
  type: "object",
  additionalProperties: false,
  required: ["key", "value"],
  properties: { key: nonEmpty, value: nonEmpty },
} as const;

const nameValueSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name", "value"],
  properties: { name: nonEmpty, value: nonEmpty },
} as const;

const discoverySchema = {
  type: "object",
  description:
    "Which members serve: list the group's members with the cloud's API and keep only those that carry roleTag AND validatedTag AND are in the state inService names. A member sets validatedTag itself after its boot-time validation passed on this boot (and removes it when it boots again), so a stopped or still-validating VM, the standby, or a member of an older commit never counts.",
  additionalProperties: false,
  required: ["roleTag", "validatedTag", "inService"],
  properties: {
    roleTag: tagSchema,
    validatedTag: { ...tagSchema, description: "value: the pinned commit (repoRef) the member validated on this boot." },
    inService: { ...nonEmpty, description: "What the cloud must also report for the member, in the cloud's own terms." },
  },
} as const;

const targetSchema = {
  type: "object",
  description: "The autoscaled group (burst only): every id a scheduler needs to address it.",
  additionalProperties: false,
  required: ["kind", "id", "name", "region"],
  properties: {
    kind: { enum: ["aws-auto-scaling-group", "gcp-regional-instance-group-manager", "azure-flexible-scale-set"] },
    id: { ...nonEmpty, description: "ASG ARN / MIG self link / scale set ARM id." },
    name: { ...nonEmpty },
    region: { ...nonEmpty },
    project: { ...nonEmpty, description: "GCP project." },
    resourceGroup: { ...nonEmpty, description: "Azure resource group of the scale set." },
  },
} as const;

const demandSchema = {
  type: "object",
  description:
    "How the scheduler asks for capacity (burst only): publish, every periodSeconds, ONE value per pool, the number of burst nodes it wants running now (0 when idle), to this metric. The group's autoscaler owns the size and follows it from 0 to max (rounded up to a multiple of step); nothing else resizes the group.",
  additionalProperties: false,
  required: ["provider", "metric", "labels", "unit", "periodSeconds", "step", "permission"],
  properties: {
    provider: { enum: ["aws-cloudwatch", "gcp-cloud-monitoring", "azure-monitor"] },
    metric: { ...nonEmpty, description: "CloudWatch metric name / Cloud Monitoring metric type / Azure custom metric name." },
    namespace: { ...nonEmpty, description: "CloudWatch namespace / Azure custom metric namespace." },
    labels: {
      type: "array",
      items: nameValueSchema,
      description: "CloudWatch dimensions / Cloud Monitoring metric labels / Azure dimensions, exactly these.",
    },
    resource: {
      ...nonEmpty,
      description: "GCP: the monitored resource type to write to; Azure: the ARM id the metric is published on.",
    },
    endpoint: { ...nonEmpty, description: "Where to send it, when the cloud has one endpoint per region (Azure)." },
    region: { ...nonEmpty },
    unit: { const: "nodes" },
    periodSeconds: { type: "integer", minimum: 1 },
    step: {
      type: "integer",
      minimum: 1,
      description: "The group's capacity becomes the smallest multiple of step (or max) at or above the demand.",
    },
    permission: {
      ...nonEmpty,
      description: "What the scheduler's identity must hold to publish (and to scale in, see scaleIn), and where the pool created it.",
    },
  },
} as const;

const scaleInSchema = {
  type: "object",
  description: "How capacity goes away without removing a busy member (burst only).",
  additionalProperties: false,
  required: ["by", "busy", "idle", "how"],
  properties: {
    by: {
      enum: ["autoscaler", "scheduler"],
      description:
        "autoscaler: lowering the demand removes members the cloud may remove (never a busy one); scheduler: lowering the demand removes nothing, the scheduler deletes the idle members it chooses.",
    },
    busy: { ...nonEmpty, description: "Run on the member (ssh -J through the bastion) before a job starts." },
    idle: { ...nonEmpty, description: "Run on the member when its last job has finished." },
    how: { ...nonEmpty, description: "The cloud calls behind busy/idle and scale-in, in one sentence." },
  },
} as const;

const groupSchema = {
  type: "object",
  additionalProperties: false,
  required: ["role", "group", "min", "max", "cpuSlotsPerNode", "memoryGiBPerNode", "discoveryTag", "discovery"],
  properties: {
    role: { enum: ["burst", "standby"] },
    group: { ...nonEmpty, description: "Cloud identity of the autoscaling group (ASG name, MIG self link, scale set id)." },
    kind: { type: "string", description: "Mechanism, e.g. aws-asg-warm-pool, gcp-mig-standby-policy, azure-standby-pool." },
    min: { type: "integer", minimum: 0 },
    max: { type: "integer", minimum: 0 },
    cpuSlotsPerNode: { type: "integer", minimum: 1 },
    memoryGiBPerNode: { type: "number", minimum: 1 },
    discoveryTag: {
      ...tagSchema,
      description: "The role tag members of this group carry (GCP: label); the same as discovery.roleTag.",
    },
    discovery: discoverySchema,
    target: targetSchema,
    demand: demandSchema,
    scaleIn: scaleInSchema,
  },
  // The burst group always says how to ask for capacity and how it shrinks.
  if: { properties: { role: { const: "burst" } } },
  then: { required: ["target", "demand", "scaleIn"], properties: { target: true, demand: true, scaleIn: true } },
} as const;

export const schedulerSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "urn:logos-compute:schema:scheduler:v2",
  title: "logos-compute scheduler contract",
  description: "Output `scheduler` of a logos-compute stack: `pulumi stack output scheduler --json`.",
  type: "object",
  additionalProperties: false,
  required: ["schemaVersion", "pool", "cloud", "region", "bastion", "nodes", "groups"],
  properties: {
    schemaVersion: { const: SCHEDULER_SCHEMA_VERSION },
    pool: { ...nonEmpty },
    cloud: { enum: ["aws", "gcp", "azure"] },
    region: { ...nonEmpty },
    bastion: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port", "user"],
      properties: {
        host: { ...nonEmpty, description: "Public address of the bastion; the only public endpoint of the pool." },
        port: { type: "integer", minimum: 1, maximum: 65535 },
        user: { ...nonEmpty },
      },
    },
    nodes: { type: "array", items: nodeSchema, description: "Fixed nodes with stable private addresses." },
    groups: { type: "array", items: groupSchema, description: "Autoscaled capacity: burst group and its warm standby pool." },
  },
} as const;

// ---- The TypeScript type, derived from the schema above -------------------

type Schema = { readonly [k: string]: unknown };

type FromProps<P, R extends readonly string[]> = {
  -readonly [K in keyof P as K extends R[number] ? K : never]: FromSchema<P[K]>;
} & {
  -readonly [K in keyof P as K extends R[number] ? never : K]?: FromSchema<P[K]>;
};

export type FromSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly type: "string" }
      ? string
      : S extends { readonly type: "integer" | "number" }
        ? number
        : S extends { readonly type: "boolean" }
          ? boolean
          : S extends { readonly type: "array"; readonly items: infer I }
            ? FromSchema<I>[]
            : S extends { readonly type: "object"; readonly properties: infer P }
              ? FromProps<P, S extends { readonly required: infer R extends readonly string[] } ? R : []>
              : S extends Schema
                ? unknown
                : never;

export type SchedulerDocument = FromSchema<typeof schedulerSchema>;
export type SchedulerNode = SchedulerDocument["nodes"][number];
export type SchedulerGroup = SchedulerDocument["groups"][number];
export type NodeValidation = SchedulerNode["validation"];
export type SchedulerDiscovery = SchedulerGroup["discovery"];
export type SchedulerTarget = NonNullable<SchedulerGroup["target"]>;
export type SchedulerDemand = NonNullable<SchedulerGroup["demand"]>;
export type SchedulerScaleIn = NonNullable<SchedulerGroup["scaleIn"]>;

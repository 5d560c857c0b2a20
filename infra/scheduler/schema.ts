/**
 * The scheduler contract: the `scheduler` stack output. The JSON Schema below
 * is the single source: the TypeScript type is derived from it, the committed
 * `schema/scheduler.schema.json` is generated from it (a test keeps them
 * equal), and every stack's planned output is validated against the file.
 * Pure: no Pulumi imports.
 */

export const SCHEDULER_SCHEMA_VERSION = 1;

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

const groupSchema = {
  type: "object",
  additionalProperties: false,
  required: ["role", "group", "min", "max", "cpuSlotsPerNode", "memoryGiBPerNode", "discoveryTag"],
  properties: {
    role: { enum: ["burst", "standby"] },
    group: { ...nonEmpty, description: "Cloud identity of the autoscaling group (ASG name, MIG self link, scale set id)." },
    kind: { type: "string", description: "Mechanism, e.g. aws-asg-warm-pool, gcp-mig-standby-policy, azure-standby-pool." },
    min: { type: "integer", minimum: 0 },
    max: { type: "integer", minimum: 0 },
    cpuSlotsPerNode: { type: "integer", minimum: 1 },
    memoryGiBPerNode: { type: "number", minimum: 1 },
    discoveryTag: {
      type: "object",
      additionalProperties: false,
      required: ["key", "value"],
      properties: { key: nonEmpty, value: nonEmpty },
      description: "Members carry this tag (GCP: label); list them with the cloud's API to get their private hosts.",
    },
  },
} as const;

export const schedulerSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "urn:logos-compute:schema:scheduler:v1",
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

/**
 * The offline plan: runs the real program against the Pulumi SDK's mock
 * monitor with preview semantics and records every resource with its inputs.
 * No CLI, plugin or credential is involved. It is a plan from the program, not
 * a cloud preview: the cloud never sees it, so nothing here proves a quota, an
 * image or a permission exists.
 */
import { spawn } from "node:child_process";
import { isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "@pulumi/pulumi/output";
import { REGION_KEYS, isCloud, type Cloud } from "../clouds";
import { parseSpec, SpecError, specWarnings, NAMESPACE, type PoolSpec } from "../spec";
import { fakeCall, fakeState } from "./mocks";
import { loadStackConfig, REPO_ROOT, StackConfigError, toRuntimeConfig } from "./stack-config";
import { UNKNOWN, type Plan, type PlannedOptions, type PlannedResource, type PlannedSource } from "./types";

export { listStacks } from "./stack-config";
export { StackConfigError } from "./stack-config";

/** The SDK module holding its promise wrapper; its CommonJS exports are plain, replaceable properties. */
type DebuggableModule = { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };

/** A plan that could not be made; the message names the stack file and the property. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

export interface PlanOptions {
  /** Config overrides (`coreNodes` or `namespace:key`), applied over the stack file. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /**
   * What the mock answers for values only the cloud can compute (ids, ARNs,
   * self links, generated keys). `unknown` (the default) is what a first
   * `pulumi preview` sees: they stay unknown, so the policy check fails
   * closed exactly where a real preview would. `placeholder` fills plausible
   * fake values, for reading a plan in full.
   */
  readonly computed?: "unknown" | "placeholder";
  /**
   * Record where each resource is constructed (`source`: file, line and
   * column of its `new …(…)`), as the SDK puts it in its RegisterResource
   * request. It costs a source-mapped stack trace per resource, so only the
   * policy check, which reports violations at their line, asks for it.
   * @default false
   */
  readonly sourcePositions?: boolean;
  /**
   * Module whose `main(spec)` is planned instead of the program
   * (`infra/program.ts`), as a path relative to the repository root; for
   * test programs that exercise the plan and the policy pack.
   * @default the program
   */
  readonly program?: string;
  /**
   * `on-read` builds each resource output the first time the program reads it
   * (see buildOutputsOnRead); `eager` leaves the SDK's own, which builds all
   * up front. The plan is the same either way; `eager` is for proving that.
   * @default "on-read"
   */
  readonly outputs?: "on-read" | "eager";
}

export interface PlanRun {
  readonly plan: Plan;
  /** Wall time of the program run, ms. */
  readonly ms: number;
  /** Peak resident memory of the planning process, bytes. */
  readonly maxRssBytes: number;
  /** What the program would log with `pulumi.log.warn` for this config (see `specWarnings`). */
  readonly warnings: readonly string[];
}

// Wire-format signatures of the Pulumi RPC (runtime/rpc.js).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270";
const SIG_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e";
const SIG_ASSET = "c44067f5952c0a294b673a41bacd8c17";
const SIG_ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";
const SIG_OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/** Turns a serialized property value into plan JSON: secrets hidden, unknowns kept as the engine's sentinel. */
export function planValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(planValue);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    switch (o[SIG_KEY]) {
      case SIG_SECRET:
        return "[secret]";
      case SIG_RESOURCE:
        return typeof o.id === "string" && o.id !== "" ? o.id : o.urn;
      case SIG_ASSET:
        return { asset: o.path ?? o.uri ?? (typeof o.text === "string" ? `text(${o.text.length} chars)` : "asset") };
      case SIG_ARCHIVE:
        return { archive: o.path ?? o.uri ?? "archive" };
      case SIG_OUTPUT:
        if (o.secret) return "[secret]";
        return "value" in o ? planValue(o.value) : UNKNOWN;
      default:
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, planValue(x)]));
    }
  }
  return v;
}

/** The parts of the SDK's RegisterResourceRequest (proto/resource_pb.js) the plan records. */
interface MonitorRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void };
  hasProtect(): boolean;
  getProtect(): boolean;
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getProvider(): string;
  getDeletedwith(): string;
  getAliasesList(): Array<{ toObject(): unknown }>;
  getSourceposition(): WirePosition | undefined;
  getStacktrace(): { getFramesList(): Array<{ getPc(): WirePosition | undefined }> } | undefined;
}

/** A SourcePosition of the SDK's protocol (proto/source_pb.js): a `file:` URI, 1-based line and column. */
interface WirePosition {
  getUri(): string;
  getLine(): number;
  getColumn(): number;
}

/** A position as the SDK records it: `uri` is a `file:` URL, line and column are 1-based. */
export interface RecordedPosition {
  readonly uri: string;
  readonly line: number;
  readonly column?: number;
}

/**
 * Where a resource was constructed, from the positions the SDK recorded: its
 * own source position first (the frame that called the resource's
 * constructor, so for a resource inside a component the line in the
 * component), then the rest of the captured stack. A frame inside a
 * dependency (`node_modules`, e.g. a library component) is skipped for the
 * first frame in this repository, the line a reviewer can change; when there
 * is none, the SDK's own position stands. Files are relative to `root` with
 * `/` separators; a file outside it keeps its absolute path.
 */
export function sourceOf(positions: ReadonlyArray<RecordedPosition | undefined>, root: string = REPO_ROOT): PlannedSource | undefined {
  const located = positions.flatMap((p) => {
    if (p === undefined || !p.uri.startsWith("file:") || !(p.line > 0)) return [];
    const path = fileURLToPath(p.uri);
    const rel = relative(root, path);
    const inside = rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
    const file = (inside ? rel : path).split(sep).join("/");
    return [
      {
        file,
        line: p.line,
        ...(p.column && p.column > 0 ? { column: p.column } : {}),
        ours: inside && !file.split("/").includes("node_modules"),
      },
    ];
  });
  const chosen = located.find((p) => p.ours) ?? located[0];
  if (chosen === undefined) return undefined;
  const { ours: _ours, ...source } = chosen;
  return source;
}

function wirePosition(p: WirePosition | undefined): RecordedPosition | undefined {
  return p === undefined ? undefined : { uri: p.getUri(), line: p.getLine(), column: p.getColumn() };
}

function requestSource(req: MonitorRequest): PlannedSource | undefined {
  const frames = req.getStacktrace()?.getFramesList() ?? [];
  return sourceOf([wirePosition(req.getSourceposition()), ...frames.map((f) => wirePosition(f.getPc()))]);
}

/** The request's resource options, defaults filled in the way the engine reads them. */
export function requestOptions(req: MonitorRequest): PlannedOptions {
  const timeouts = req.getCustomtimeouts();
  const customTimeouts = timeouts
    ? Object.fromEntries(
        (
          [
            ["create", timeouts.getCreate()],
            ["update", timeouts.getUpdate()],
            ["delete", timeouts.getDelete()],
          ] as const
        ).filter(([, v]) => v !== ""),
      )
    : {};
  const aliases = req.getAliasesList().map((a) => a.toObject());
  return {
    protect: req.hasProtect() && req.getProtect(),
    retainOnDelete: req.hasRetainondelete() && req.getRetainondelete(),
    deleteBeforeReplace: req.getDeletebeforereplace(),
    replaceOnChanges: req.getReplaceonchangesList(),
    ignoreChanges: req.getIgnorechangesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    ...(Object.keys(customTimeouts).length > 0 ? { customTimeouts } : {}),
    ...(req.getProvider() ? { provider: req.getProvider() } : {}),
    ...(req.getDeletedwith() ? { deletedWith: req.getDeletedwith() } : {}),
    ...(aliases.length > 0 ? { aliases } : {}),
  };
}

function requestPropertyDependencies(req: MonitorRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps, key) => {
    out[key] = deps.getUrnsList();
  });
  return out;
}

/** Where registrations go: the plan being recorded in this process right now. */
let sink: PlannedResource[] | undefined;
/** Whether the plan being recorded keeps each resource's source position. */
let withSource = false;

/**
 * Records every registration as it reaches the mock monitor: the request the
 * SDK built for the engine, with its dependencies and resource options. The
 * mock's own callback sees none of that (nor the parent URN or the raw,
 * secret-marked inputs), so the monitor's method is wrapped, once per process.
 */
function recordRegistrations(into: PlannedResource[], sourcePositions: boolean): void {
  const first = sink === undefined;
  sink = into;
  withSource = sourcePositions;
  if (!first) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: Record<string, unknown> } };
  const original = MockMonitor.prototype.registerResource as (this: unknown, req: MonitorRequest, cb: unknown) => unknown;
  MockMonitor.prototype.registerResource = function (
    this: { newUrn(p: string, t: string, n: string): string },
    req: MonitorRequest,
    cb: unknown,
  ) {
    const parent = req.getParent();
    const source = withSource ? requestSource(req) : undefined;
    sink?.push({
      urn: this.newUrn(parent, req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      ...(parent ? { parent } : {}),
      custom: req.getCustom(),
      inputs: planValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
      dependencies: req.getDependenciesList(),
      propertyDependencies: requestPropertyDependencies(req),
      options: requestOptions(req),
      ...(source ? { source } : {}),
    });
    return original.call(this, req, cb);
  };
}

/** A resolver the SDK calls once a registration answers (runtime/rpc.js transferProperties). */
type OutputResolver = (value: unknown, isKnown: boolean, isSecret: boolean, deps?: pulumi.Resource[], err?: Error) => void;
type OutputCtor = new (
  resources: pulumi.Resource,
  promise: Promise<unknown>,
  isKnown: Promise<boolean>,
  isSecret: Promise<boolean>,
  allResources: Promise<pulumi.Resource[]>,
) => pulumi.Output<unknown>;

type TransferProperties = (onto: pulumi.Resource, label: string, props: Record<string, unknown>) => Record<string, OutputResolver>;
let sdkTransferProperties: TransferProperties | undefined;

/**
 * The SDK gives every output property of every custom resource an Output up
 * front — four pending promises, their resolvers and a dozen closures, about
 * 4 KB each — although a program reads a handful per resource: at 1000 core
 * nodes that is most of the plan's memory. The plan process builds each
 * Output the first time the program reads the property instead, from the
 * same values, known-ness, secrecy and dependencies the registration
 * resolved it with (or, read before the registration answers, as a pending
 * Output the registration then resolves), so what the program sees does not
 * change. Only the plan process installs it; a real deployment never runs it.
 */
function buildOutputsOnRead(on: boolean): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: TransferProperties };
  sdkTransferProperties ??= rpc.transferProperties;
  if (!on) {
    rpc.transferProperties = sdkTransferProperties;
    return;
  }
  const Output = pulumi.Output as unknown as OutputCtor;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isGrpcError } = require("@pulumi/pulumi/errors") as { isGrpcError: (err: Error) => boolean };
  rpc.transferProperties = (onto, label, props) => {
    const resolvers: Record<string, OutputResolver> = {};
    for (const k of Object.keys(props)) {
      if (k === "id" || k === "urn") continue;
      if (Object.prototype.hasOwnProperty.call(onto, k)) throw new Error(`Property '${k}' is already initialized on target '${label}`);
      let settled: { value: unknown; isKnown: boolean; isSecret: boolean; deps: pulumi.Resource[]; err?: Error } | undefined;
      let pending: OutputResolver | undefined;
      resolvers[k] = (value, isKnown, isSecret, deps = [], err) => {
        // As the SDK does: a broken connection leaves the output pending rather than failed.
        if (err && isGrpcError(err)) return;
        if (pending) pending(value, isKnown, isSecret, deps, err);
        else settled = { value, isKnown, isSecret, deps, ...(err ? { err } : {}) };
      };
      const build = (): pulumi.Output<unknown> => {
        if (settled) {
          const { value, isKnown, isSecret, deps, err } = settled;
          settled = undefined;
          return err
            ? new Output(onto, Promise.reject(err), Promise.reject(err), Promise.reject(err), Promise.reject(err))
            : new Output(onto, Promise.resolve(value), Promise.resolve(isKnown), Promise.resolve(isSecret), Promise.resolve(deps));
        }
        const parts = [0, 1, 2, 3].map(() => {
          let resolve!: (v: unknown) => void;
          let reject!: (e: unknown) => void;
          const promise = new Promise<unknown>((res, rej) => {
            resolve = res;
            reject = rej;
          });
          return { promise, resolve, reject };
        });
        pending = (value, isKnown, isSecret, deps = [], err) => {
          if (err) for (const p of parts) p.reject(err);
          else [value, isKnown, isSecret, deps].forEach((v, i) => parts[i].resolve(v));
        };
        const [v, known, secret, deps] = parts.map((p) => p.promise);
        return new Output(onto, v, known as Promise<boolean>, secret as Promise<boolean>, deps as Promise<pulumi.Resource[]>);
      };
      Object.defineProperty(onto, k, {
        configurable: true,
        enumerable: true,
        get() {
          const output = build();
          Object.defineProperty(onto, k, { value: output, writable: true, enumerable: true, configurable: true });
          return output;
        },
      });
    }
    return resolvers;
  };
}

/** The SDK's Resource class with its (private) stack capture: `callsites()` lists the frames `new Resource` parses. */
type CapturingResource = { callsites: () => unknown[] };
const sdkResource = pulumi.Resource as unknown as CapturingResource;
const sdkCallsites = sdkResource.callsites;

/** Turns the SDK's per-resource stack capture on (its own code) or off (no frames, so no position). */
function captureSourcePositions(on: boolean): void {
  sdkResource.callsites = on ? sdkCallsites : () => [];
}

/** What a planned program module exports: the real program (`infra/program.ts`) or a test program. */
interface ProgramModule {
  main(spec: PoolSpec): unknown;
}

/** The planned program's entry: the real program unless a test program is named. */
function loadProgram(program: string | undefined): ProgramModule {
  // Loaded only here, after the mocks are installed.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (program === undefined) return require("../program") as ProgramModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(REPO_ROOT, program)) as ProgramModule;
}

/** Resolves a stack output for the plan: unknown parts become {@link UNKNOWN}, secrets `[secret]`. */
async function resolveOutput(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) {
    const o = v as pulumi.Output<unknown> & {
      isKnown: Promise<boolean>;
      isSecret: Promise<boolean>;
      promise(withUnknowns?: boolean): Promise<unknown>;
    };
    if (await o.isSecret) return "[secret]";
    const known = await o.isKnown;
    const inner = await o.promise(true);
    if (!known && inner === undefined) return UNKNOWN;
    return resolveOutput(inner);
  }
  if (isUnknown(v)) return UNKNOWN;
  if (v instanceof Promise) return resolveOutput(await v);
  if (pulumi.Resource.isInstance(v)) return "[resource]";
  if (Array.isArray(v)) return Promise.all(v.map(resolveOutput));
  if (v !== null && typeof v === "object") {
    const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveOutput(x)] as const));
    return Object.fromEntries(entries.filter(([, x]) => x !== undefined));
  }
  return v;
}

function withOverrides(values: Record<string, unknown>, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const out = { ...values };
  for (const [k, v] of Object.entries(overrides)) out[k.includes(":") ? k : `${NAMESPACE}:${k}`] = v;
  return out;
}

/**
 * Plans one stack in this process. The Pulumi runtime keeps process-wide
 * state, so a process plans one stack only; use {@link planStack} to plan
 * several.
 */
export async function planInProcess(stack: string, options: PlanOptions = {}): Promise<PlanRun> {
  let config;
  try {
    config = loadStackConfig(stack);
  } catch (e) {
    if (e instanceof StackConfigError) throw new PlanError(e.message);
    throw e;
  }
  const values = withOverrides(config.values, options.overrides);
  let spec;
  try {
    spec = parseSpec(values);
  } catch (e) {
    if (e instanceof SpecError) throw new PlanError(`${config.file}: ${e.message}`);
    throw e;
  }

  const cloud = String(values[`${NAMESPACE}:cloud`]);
  const defaults = {
    region: isCloud(cloud) ? String(values[REGION_KEYS[cloud]] ?? spec.region) : spec.region,
    project: spec.gcpProject ?? "offline-plan",
  };
  const resources: PlannedResource[] = [];
  recordRegistrations(resources, options.sourcePositions === true);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) =>
        options.computed === "placeholder"
          ? fakeState(args.type, args.name, args.inputs as Record<string, unknown>, defaults)
          : // A provider's preview echoes the inputs it was given; everything it computes is unknown.
            { id: undefined, state: { ...(args.inputs as Record<string, unknown>) } },
      call: (args) => fakeCall(args, defaults),
    },
    config.project,
    stack,
    true,
  );
  pulumi.runtime.setAllConfig(toRuntimeConfig(values), [...config.secretKeys]);

  // Pulumi captures a stack trace per resource for source positions, and
  // wraps every internal promise with a label, a stack trace and a leak
  // tracker for diagnosing hung programs. With source maps on, the traces
  // dominate the plan's time; the wrappers double its memory at 1000 nodes.
  // The plan never uses the wrappers and uses the positions only when asked,
  // so this process switches off the rest. The per-resource capture
  // (Resource.callsites) raises Error.stackTraceLimit on its own, so it is
  // replaced rather than starved.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  captureSourcePositions(options.sourcePositions === true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
  debuggable.debuggablePromise = (p) => p;
  buildOutputsOnRead(options.outputs !== "eager");
  const started = performance.now();
  try {
    const { main } = loadProgram(options.program);
    const outputs = main(spec);
    const resolved = (await resolveOutput(outputs)) as Record<string, unknown>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    const ms = performance.now() - started;
    return {
      plan: { stack, cloud, resources: [...resources], outputs: resolved },
      ms,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      warnings: specWarnings(spec),
    };
  } catch (e) {
    // Let whatever the failed program had in flight settle, so none of it
    // lands in the next stack this process plans.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs().catch(() => undefined);
    throw e;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

const WORKER = join(REPO_ROOT, "infra", "plan", "worker.ts");
/**
 * Heap limit of a plan worker, per cloud: the spec's largest pool (1000 core
 * nodes, 8,000-10,000 resources now that each core node has its sync step)
 * fits in it, with the worker's peak near 790-840 MiB, under the 870 MiB
 * goal (15 % under 1 GiB). `LOGOS_PLAN_HEAP_MIB` overrides it.
 */
const HEAP_LIMIT_MIB: Readonly<Record<Cloud, number>> = { aws: 760, gcp: 760, azure: 760 };
/** A smaller young generation (default 16 MiB semi-spaces) trades a little time for peak memory. */
const SEMI_SPACE_MIB = 4;

function heapLimitFor(variants: readonly PlanVariant[], overrides: PlanOptions["overrides"]): number {
  if (process.env.LOGOS_PLAN_HEAP_MIB) return Number(process.env.LOGOS_PLAN_HEAP_MIB);
  const limits = variants.map(({ stack, overrides: own }) => {
    try {
      const cloud = withOverrides(loadStackConfig(stack).values, { ...overrides, ...own })[`${NAMESPACE}:cloud`];
      return isCloud(cloud) ? HEAP_LIMIT_MIB[cloud] : HEAP_LIMIT_MIB.aws;
    } catch {
      return HEAP_LIMIT_MIB.aws; // the worker reports the stack's own error
    }
  });
  return Math.max(...limits);
}

/** One line of worker output: a stack's plan or why it could not be made. */
export type WorkerLine = { readonly stack: string; readonly run: PlanRun } | { readonly stack: string; readonly error: string };

/**
 * Plans `stacks` one after another in one fresh process (loading the SDKs
 * once) and reports each as it finishes. The worker prints one JSON line per
 * stack; a crash fails every stack it had not reported.
 */
function planInWorker(variants: readonly PlanVariant[], options: PlanOptions, onLine: (line: WorkerLine) => void): Promise<void> {
  const heapMiB = heapLimitFor(variants, options.overrides);
  const stacks = variants.map((v) => v.id);
  return new Promise((resolveAll) => {
    // A fixed heap limit, so a plan fits or fails alike on every machine (V8's
    // default follows the machine's memory), and small enough that V8
    // collects instead of growing: the spec's largest pool, 1000 core nodes,
    // then peaks near 650 MiB on every cloud (with outputs built on first
    // read, see buildOutputsOnRead) instead of 1.2-3.6 GiB.
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${heapMiB}`, `--max-semi-space-size=${SEMI_SPACE_MIB}`, "--import", "tsx", WORKER, ...stacks],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          LOGOS_PLAN_OVERRIDES: JSON.stringify(options.overrides ?? {}),
          LOGOS_PLAN_COMPUTED: options.computed ?? "unknown",
          LOGOS_PLAN_SOURCE_POSITIONS: options.sourcePositions === true ? "1" : "",
          LOGOS_PLAN_PROGRAM: options.program ?? "",
          LOGOS_PLAN_VARIANTS: JSON.stringify(variants),
          LOGOS_PLAN_OUTPUTS: options.outputs ?? "on-read",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const reported = new Set<string>();
    let buffered = "";
    const err: Buffer[] = [];
    const take = (text: string): void => {
      if (text.trim() === "") return;
      let line: WorkerLine;
      try {
        line = JSON.parse(text) as WorkerLine;
      } catch (e) {
        line = { stack: stacks.find((s) => !reported.has(s)) ?? "?", error: `unreadable worker output: ${(e as Error).message}` };
      }
      reported.add(line.stack);
      onLine(line);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        take(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const finish = (why: string): void => {
      take(buffered);
      buffered = "";
      for (const s of stacks) if (!reported.has(s)) onLine({ stack: s, error: why });
      resolveAll();
    };
    child.on("error", (e) => finish(`could not start the plan worker: ${e.message}`));
    child.on("close", (code) => {
      const stderr = Buffer.concat(err).toString("utf8").trim();
      finish(
        /heap out of memory/.test(stderr)
          ? `the plan ran out of its ${heapMiB} MiB heap; set LOGOS_PLAN_HEAP_MIB to a larger value (MiB) for a pool this size`
          : stderr || `plan worker exited with code ${code}`,
      );
    });
  });
}

/**
 * Plans one stack in a fresh process (the runtime's state is per process) and
 * returns its plan, time and peak memory. Rejects with the worker's message on
 * a bad stack or config.
 */
export async function planStack(stack: string, options: PlanOptions = {}): Promise<PlanRun> {
  const [result] = await planStacks([stack], { ...options, concurrency: 1 });
  if (result instanceof PlanError) throw result;
  return result;
}

/** One plan to make: a stack with config overrides of its own, reported under `id`. */
export interface PlanVariant {
  readonly id: string;
  readonly stack: string;
  /** Applied over the stack file and over {@link PlanOptions.overrides}. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** @default {@link PlanOptions.computed} */
  readonly computed?: PlanOptions["computed"];
}

type ManyOptions = PlanOptions & { concurrency?: number; onDone?: (id: string, run: PlanRun | Error) => void };

/**
 * Plans several stacks in up to `concurrency` worker processes (default 2,
 * one per core here), each planning its share one after another. Results come
 * back in input order; a stack that cannot be planned yields a PlanError.
 */
export async function planStacks(stacks: readonly string[], options: ManyOptions = {}): Promise<Array<PlanRun | PlanError>> {
  return planVariants(
    stacks.map((stack) => ({ id: stack, stack })),
    options,
  );
}

/**
 * Plans variants of stacks (the same stack with different config, e.g. before
 * and after a change) the way {@link planStacks} plans stacks: the SDKs load
 * once per worker, results come back in input order.
 */
export async function planVariants(variants: readonly PlanVariant[], options: ManyOptions = {}): Promise<Array<PlanRun | PlanError>> {
  const results = new Map<string, PlanRun | PlanError>();
  const workers = Math.max(1, Math.min(options.concurrency ?? 2, variants.length));
  const shares = Array.from({ length: workers }, (_, w) => variants.filter((_, i) => i % workers === w));
  await Promise.all(
    shares.map((share) =>
      planInWorker(share, options, (line) => {
        const r = "run" in line ? line.run : new PlanError(line.error);
        results.set(line.stack, r);
        options.onDone?.(line.stack, r);
      }),
    ),
  );
  return variants.map((v) => results.get(v.id) ?? new PlanError(`stack ${v.id} was not planned`));
}

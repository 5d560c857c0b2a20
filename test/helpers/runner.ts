/**
 * Runs a program the way `pulumi up` / `pulumi preview` does: through
 * @pulumi/pulumi's own runner (`cmd/run`), with the arguments and environment
 * the Node.js language host gives it (pulumi/pulumi
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go `constructArguments`,
 * `execRuntime`: `--monitor`, `--project`, `--stack`, `--pwd`, `--dry-run`,
 * the entry point; PULUMI_CONFIG, PULUMI_NODEJS_TYPESCRIPT, and
 * PULUMI_NODEJS_TSCONFIG_PATH from Pulumi.yaml's `runtime.options.tsconfig`).
 * The runner then registers its TypeScript loader (vendored ts-node 7.0.1
 * with the project's `typescript`) and requires the program. In place of the
 * engine, the SDK's mock monitor answers (test/helpers/runner-preload.cjs).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { isCloud, REGION_KEYS } from "../../infra/clouds";
import { loadStackConfig, REPO_ROOT, toRuntimeConfig } from "../../infra/plan/stack-config";
import { NAMESPACE, parseSpec } from "../../infra/spec";

export interface RunnerOptions {
  readonly stack: string;
  /** Entry point relative to the repository root. @default Pulumi.yaml `main` */
  readonly program?: string;
  /** The runtime options to run with. @default Pulumi.yaml `runtime.options` */
  readonly runtimeOptions?: { readonly typescript?: boolean; readonly tsconfig?: string; readonly nodeargs?: string };
  /** Extra environment, e.g. PULUMI_NODEJS_TRANSPILE_ONLY. */
  readonly env?: Readonly<Record<string, string>>;
  /** @default 300 s */
  readonly timeoutMs?: number;
}

export interface RunnerResult {
  readonly code: number | null;
  /** Registrations the monitor received, per type token. */
  readonly types: Readonly<Record<string, number>>;
  /** The stack's output names. */
  readonly outputs: readonly string[];
  /** From spawn to exit, with a cold ts-node cache. */
  readonly wallMs: number;
  readonly maxRssBytes: number;
  readonly stderr: string;
  readonly stdout: string;
}

interface ProjectFile {
  readonly name: string;
  readonly main?: string;
  readonly runtime?: string | { readonly options?: Record<string, unknown> };
}

export function projectFile(): ProjectFile {
  return parse(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** The runtime options Pulumi.yaml gives the language host. */
export function projectRuntimeOptions(): NonNullable<RunnerOptions["runtimeOptions"]> {
  const runtime = projectFile().runtime;
  return (typeof runtime === "object" ? (runtime.options ?? {}) : {}) as NonNullable<RunnerOptions["runtimeOptions"]>;
}

export function runThroughRunner(options: RunnerOptions): Promise<RunnerResult> {
  const project = projectFile();
  const config = loadStackConfig(options.stack);
  const spec = parseSpec(config.values);
  const cloud = config.values[`${NAMESPACE}:cloud`];
  const defaults = {
    region: isCloud(cloud) ? String(config.values[REGION_KEYS[cloud]] ?? spec.region) : spec.region,
    project: spec.gcpProject ?? "offline-plan",
  };
  const runtime = options.runtimeOptions ?? projectRuntimeOptions();
  const work = mkdtempSync(join(tmpdir(), "logos-runner-"));
  const report = join(work, "report.json");
  const nodeargs = (runtime.nodeargs ?? "").split(/\s+/).filter((a) => a !== "");
  const args = [
    ...nodeargs,
    "--require",
    join(REPO_ROOT, "test", "helpers", "runner-preload.cjs"),
    join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run"),
    "--monitor",
    "offline-mock-monitor",
    "--project",
    project.name,
    "--stack",
    options.stack,
    "--pwd",
    REPO_ROOT,
    "--dry-run",
    options.program ?? project.main ?? ".",
  ];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PULUMI_CONFIG: JSON.stringify(toRuntimeConfig(config.values)),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(config.secretKeys),
    // A fresh ts-node cache per run: the first `pulumi up` on a machine compiles everything.
    TS_NODE_CACHE_DIRECTORY: join(work, "ts-node-cache"),
    LOGOS_RUNNER_PROJECT: project.name,
    LOGOS_RUNNER_STACK: options.stack,
    LOGOS_RUNNER_DEFAULTS: JSON.stringify(defaults),
    LOGOS_RUNNER_REPORT: report,
    ...options.env,
  };
  delete env.PULUMI_NODEJS_TRANSPILE_ONLY;
  if (options.env?.PULUMI_NODEJS_TRANSPILE_ONLY) env.PULUMI_NODEJS_TRANSPILE_ONLY = options.env.PULUMI_NODEJS_TRANSPILE_ONLY;
  if (runtime.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  else delete env.PULUMI_NODEJS_TYPESCRIPT;
  if (runtime.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = runtime.tsconfig;
  else delete env.PULUMI_NODEJS_TSCONFIG_PATH;

  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      let recorded: { types?: Record<string, number>; outputs?: string[]; maxRssBytes?: number } = {};
      try {
        recorded = JSON.parse(readFileSync(report, "utf8")) as typeof recorded;
      } catch {
        // no report: the process died before its exit handler; stderr says why
      }
      rmSync(work, { recursive: true, force: true });
      resolve({
        code,
        types: recorded.types ?? {},
        outputs: recorded.outputs ?? [],
        wallMs,
        maxRssBytes: recorded.maxRssBytes ?? 0,
        stderr: Buffer.concat(err).toString("utf8"),
        stdout: Buffer.concat(out).toString("utf8"),
      });
    });
  });
}

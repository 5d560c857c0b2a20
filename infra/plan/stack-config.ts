/**
 * Loads a stack's config the way the Pulumi CLI would hand it to the program:
 * `Pulumi.yaml` `config:` defaults, overridden by `stacks/Pulumi.<stack>.yaml`.
 * The SDK never reads these files itself, so the offline plan must.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse } from "yaml";

export const REPO_ROOT = resolve(__dirname, "..", "..");

export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

export interface ProjectFile {
  readonly name: string;
  readonly stackConfigDir: string;
  /** `namespace:key` → default value. */
  readonly defaults: Record<string, unknown>;
}

export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  /** Path of the stack file, relative to the repository root. */
  readonly file: string;
  /** `namespace:key` → value (typed as in YAML). */
  readonly values: Record<string, unknown>;
  /** Keys whose values are encrypted in the stack file (`secure:`): not readable offline. */
  readonly secretKeys: readonly string[];
}

function readYaml(path: string): unknown {
  try {
    return parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new StackConfigError(`${relative(process.cwd(), path) || path}: not valid YAML: ${(e as Error).message}`);
  }
}

export function loadProject(root = REPO_ROOT): ProjectFile {
  const path = join(root, "Pulumi.yaml");
  const doc = readYaml(path) as { name?: string; stackConfigDir?: string; config?: Record<string, unknown> } | null;
  if (!doc || typeof doc.name !== "string") throw new StackConfigError(`${path}: missing project name`);
  const defaults: Record<string, unknown> = {};
  for (const [k, decl] of Object.entries(doc.config ?? {})) {
    const full = k.includes(":") ? k : `${doc.name}:${k}`;
    if (decl !== null && typeof decl === "object" && !Array.isArray(decl)) {
      const d = decl as { default?: unknown; value?: unknown };
      if (d.value !== undefined) defaults[full] = d.value;
      else if (d.default !== undefined) defaults[full] = d.default;
    } else {
      defaults[full] = decl;
    }
  }
  return { name: doc.name, stackConfigDir: doc.stackConfigDir ?? ".", defaults };
}

/** Stack names that have a `Pulumi.<name>.yaml` in the stack config directory, sorted. */
export function listStacks(root = REPO_ROOT): string[] {
  const dir = join(root, loadProject(root).stackConfigDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function loadStackConfig(stack: string, root = REPO_ROOT): StackConfig {
  const project = loadProject(root);
  const dir = join(root, project.stackConfigDir);
  const candidates = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => join(dir, f));
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    const known = listStacks(root);
    throw new StackConfigError(`unknown stack "${stack}": no ${relative(root, candidates[0])}; stacks: ${known.join(", ") || "(none)"}`);
  }
  const file = relative(root, path);
  const doc = readYaml(path) as { config?: Record<string, unknown> } | null;
  const values: Record<string, unknown> = { ...project.defaults };
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(doc?.config ?? {})) {
    const full = k.includes(":") ? k : `${project.name}:${k}`;
    if (v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in (v as object)) {
      secretKeys.push(full);
      values[full] = "[secret]";
    } else {
      values[full] = v;
    }
  }
  return { project: project.name, stack, file, values, secretKeys };
}

/** Pulumi hands config to the program as strings; structured values as JSON. */
export function toRuntimeConfig(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

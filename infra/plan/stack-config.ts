/**
 * Loads a stack's config the way the Pulumi CLI would hand it to the program:
 * `Pulumi.yaml` `config:` defaults, overridden by `stacks/Pulumi.<stack>.yaml`.
 * The SDK never reads these files itself, so the offline plan must.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { isMap, isScalar, parse, parseDocument } from "yaml";

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

/** A value the stack file marks `# REPLACE: ...`: a shipped placeholder the user still has to fill in. */
export interface ReplaceMarker {
  /** Stack file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the key. */
  readonly line: number;
  /** `namespace:key`. */
  readonly key: string;
  /** The marker's text after `REPLACE:` (what to put there). */
  readonly note: string;
}

const REPLACE = /\bREPLACE\b:?\s*(.*)/;

/**
 * Every config key of a stack file that carries a `REPLACE` comment, on the
 * line before it or at the end of its line: the stack files ship with
 * placeholders (documentation ranges, an example key) marked this way, and
 * a deploy with them builds a pool nobody can reach. Removing the comment
 * after filling in the value clears the notice.
 */
export function replaceMarkers(stack: string, root = REPO_ROOT): ReplaceMarker[] {
  const config = loadStackConfig(stack, root);
  const text = readFileSync(join(root, config.file), "utf8");
  const doc = parseDocument(text);
  const map = doc.get("config", true);
  if (!isMap(map)) return [];
  const markers: ReplaceMarker[] = [];
  map.items.forEach((pair, i) => {
    const keyNode = pair.key;
    if (!isScalar(keyNode)) return;
    const valueNode = pair.value as { comment?: string | null; commentBefore?: string | null } | null;
    // The first item's leading comment belongs to the map itself.
    const comments = [i === 0 ? map.commentBefore : undefined, keyNode.commentBefore, valueNode?.comment, valueNode?.commentBefore];
    const marked = comments.map((c) => (c ? REPLACE.exec(c) : null)).find((m) => m !== null);
    if (!marked) return;
    const offset = keyNode.range?.[0] ?? 0;
    markers.push({
      file: config.file,
      line: text.slice(0, offset).split("\n").length,
      key: String(keyNode.value),
      note: marked[1].trim(),
    });
  });
  return markers;
}

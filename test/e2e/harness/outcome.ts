/**
 * Running the component's command over `ssh -J` and judging what came back:
 * shared by the e2e files. Every judgement names exit code, stage, message.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";

import { expect } from "vitest";

import {
  VALIDATION_EXIT_CODES,
  buildValidationCommand,
  parseValidationResult,
  type ValidationOptions,
  type ValidationResult,
} from "../../../infra/node/validation";
import type { SshPair, SshResult } from "./sshd";
import type { Checkout } from "./workload";

export interface Outcome {
  readonly ssh: SshResult;
  readonly result: ValidationResult;
}

/** Runs the exact command (built from options, or given as a line) on the node; parses the JSON result. */
export async function validateOn(pair: SshPair, options: ValidationOptions | string): Promise<Outcome> {
  const command = typeof options === "string" ? options : buildValidationCommand(options);
  const ssh = await pair.run("logos-node", command, { timeoutMs: 300_000 });
  expect(ssh.timedOut, "ssh run must finish within its limit").toBe(false);
  let result: ValidationResult;
  try {
    result = parseValidationResult(ssh.stdout);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nexit ${ssh.code}\nstderr:\n${ssh.stderr}`, { cause: e });
  }
  return { ssh, result };
}

export function expectFailure(o: Outcome, stage: keyof typeof VALIDATION_EXIT_CODES, message: string | RegExp): void {
  const context = `stderr:\n${o.ssh.stderr}`;
  expect(o.ssh.code, context).toBe(VALIDATION_EXIT_CODES[stage]);
  expect(o.result).toMatchObject({ status: "fail", stage, exitCode: VALIDATION_EXIT_CODES[stage], node: "e2e-node" });
  expect(o.result.errors[0]).toMatch(message);
  // The human line on stderr names node and stage: it is what a failed deployment shows.
  expect(o.ssh.stderr).toContain(`node e2e-node: FAILED at stage ${stage} (exit ${VALIDATION_EXIT_CODES[stage]})`);
}

export function nothingRan(c: Checkout): void {
  expect(existsSync(path.join(c.repoDir, "CoqMakefile")), "no build may start").toBe(false);
}

export function entries(file: string): unknown[] {
  return JSON.parse(readFileSync(file, "utf8")) as unknown[];
}

/** The `<log>.history-*.json` copies next to the log. */
export function historyFiles(stateDir: string): string[] {
  return readdirSync(stateDir).filter((f) => f.includes(".history-"));
}

/** How Python prints a list of strings, as the script's messages show them. */
export function pyList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s}'`).join(", ")}]`;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

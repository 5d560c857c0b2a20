/**
 * The script of the Azure burst group's demand seed: `demand_seed.py` run by
 * a managed run command on a core node, which publishes the demand metric's
 * idle value on the scale set until Azure lists the metric, so the autoscale
 * rules that name it are accepted. Pure (no Pulumi imports).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export const DEMAND_SEED_SOURCE = path.join(__dirname, "demand_seed.py");
/** How long the script keeps publishing before it gives up, seconds. */
export const DEMAND_SEED_TIMEOUT_SECONDS = 1200;

export interface DemandSeedArgs {
  /** ARM id of the scale set the metric is published on. */
  readonly resource: string;
  readonly region: string;
  readonly namespace: string;
  readonly metric: string;
  /** Client id of the user-assigned identity the VM runs as. */
  readonly clientId: string;
}

const SAFE = /^[A-Za-z0-9/_.()-]+$/;

/** The run command's shell script: the Python program on stdin, its arguments single-quoted. */
export function demandSeedScript(args: DemandSeedArgs): string {
  const flags: [string, string][] = [
    ["--resource", args.resource],
    ["--region", args.region],
    ["--namespace", args.namespace],
    ["--metric", args.metric],
    ["--client-id", args.clientId],
    ["--timeout", String(DEMAND_SEED_TIMEOUT_SECONDS)],
  ];
  for (const [flag, value] of flags) {
    if (!SAFE.test(value)) throw new Error(`demand seed ${flag} (${JSON.stringify(value)}) may hold only letters, digits and / _ . ( ) -`);
  }
  const argv = flags.map(([flag, value]) => `${flag} '${value}'`).join(" ");
  return `#!/bin/sh\nexec /usr/bin/python3 - ${argv} <<'LOGOS_DEMAND_SEED'\n${readFileSync(DEMAND_SEED_SOURCE, "utf8")}LOGOS_DEMAND_SEED\n`;
}

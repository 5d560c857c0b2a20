/**
 * `npm run bench`: every benchmark, printed as tables with their targets.
 * `LOGOS_BENCH=plan,policy,runner,validation` picks some; the validation bench needs
 * sshd and Coq (as the e2e tests do).
 */
import { benchPlan, printTable } from "./plan";
import { benchPolicy } from "./policy";
import { benchRunner } from "./runner";
import { benchValidation } from "./validation";

const BENCHES: ReadonlyArray<[string, string, () => Promise<{ rows: Array<Record<string, string | number>> }>]> = [
  ["plan", "offline plan: wall time and peak memory", benchPlan],
  ["policy", "policy: throughput, npm run policy, ratio against @pulumi/awsguard", benchPolicy],
  ["runner", "pulumi up load path (@pulumi/pulumi cmd/run, cold ts-node cache): ratio to a one-instance program, peak memory", benchRunner],
  ["validation", "proof validation overhead over ssh -J (validated ÷ bare workload)", benchValidation],
];

async function run(): Promise<number> {
  const chosen = (process.env["LOGOS_BENCH"] ?? BENCHES.map(([n]) => n).join(",")).split(",");
  let failed = 0;
  for (const [name, title, bench] of BENCHES) {
    if (!chosen.includes(name)) continue;
    process.stderr.write(`running ${name} benchmark...\n`);
    try {
      printTable(title, (await bench()).rows);
    } catch (e) {
      failed++;
      process.stdout.write(`\n## ${title}\nerror: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

run().then((code) => process.exit(code));

/**
 * The Azure demand seed's node side: the Python suite of `demand_seed.py`
 * against loopback fakes, and the run-command script that carries it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMAND_SEED_SOURCE, demandSeedScript } from "../../infra/node/demand-seed";

const ROOT = path.resolve(__dirname, "..", "..");
const VMSS = "/subscriptions/s/resourceGroups/logos-test-rg/providers/Microsoft.Compute/virtualMachineScaleSets/logos-burst";
const ARGS = { resource: VMSS, region: "eastus", namespace: "LogosBurst", metric: "BurstDemand", clientId: "0000-cid" };

describe("infra/node/demand_seed.py", () => {
  it("passes its unittest suite", () => {
    const done = spawnSync("python3", [path.join(ROOT, "test/unit/demand_seed_test.py")], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    const output = `${done.stdout}\n${done.stderr}`;
    expect(done.status, output).toBe(0);
    expect(output).toMatch(/^OK$/m);
  });
});

describe("demand seed run-command script", () => {
  it("feeds the program to python3 on stdin with quoted arguments", () => {
    const script = demandSeedScript(ARGS);
    expect(script.split("\n")[1]).toBe(
      `exec /usr/bin/python3 - --resource '${VMSS}' --region 'eastus' --namespace 'LogosBurst' --metric 'BurstDemand' ` +
        `--client-id '0000-cid' --timeout '1200' <<'LOGOS_DEMAND_SEED'`,
    );
    expect(script).toContain(readFileSync(DEMAND_SEED_SOURCE, "utf8"));
    expect(script.endsWith("\nLOGOS_DEMAND_SEED\n")).toBe(true);
  });

  it("runs as a shell script: the program sees its arguments", () => {
    // --help proves sh hands python3 the heredoc as the program and the flags as its argv.
    const script = demandSeedScript(ARGS).replace("--timeout '1200'", "--timeout '1200' --help");
    const done = spawnSync("sh", ["-c", script.replace("/usr/bin/python3", "python3")], { encoding: "utf8", timeout: 20_000 });
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^usage: demand-seed /);
  });

  it("refuses an argument the shell could read as code", () => {
    expect(() => demandSeedScript({ ...ARGS, clientId: "x'; rm -rf /" })).toThrow(
      `demand seed --client-id ("x'; rm -rf /") may hold only letters, digits and / _ . ( ) -`,
    );
  });
});

import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";

import {
  VALIDATION_SCRIPT_REMOTE_COPY,
  VALIDATION_SCRIPT_SOURCE,
  buildValidationCommand,
  scriptDigest,
  type ValidationResult,
} from "../../infra/node/validation";

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const AGENT_HASH = "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda";
const REF = "0123456789abcdef0123456789abcdef01234567";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n";

function resultFor(node: string): ValidationResult {
  return {
    version: 1,
    status: "pass",
    stage: "complete",
    exitCode: 0,
    node,
    agentHash: AGENT_HASH,
    fileDigest: "f".repeat(64),
    ref: REF,
    auditEntriesBefore: 4,
    auditEntriesAfter: 5,
    auditLog: "/var/lib/logos/state/alignment_LOGOS-AGENT-OMEGA.json",
    historyFile: null,
    footprint: { status: "ok", theorem: "PXL.PXL_Internal_LEM.pxl_excluded_middle", axioms: [], closed: true },
    archive: { status: "skipped" },
    seconds: { total: 2.5 },
    errors: [],
    warnings: [],
  };
}

const resources: Registered[] = [];
let mod: typeof import("../../components/proof-validation");

beforeAll(async () => {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "command:remote:Command") {
          state["stdout"] = JSON.stringify(resultFor("logos-core-0"));
          state["stderr"] = "[validate_proof] node: PASS";
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "logos-compute",
    "test",
    false,
  );
  mod = await import("../../components/proof-validation/index.js");
});

function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise(): Promise<T> }).promise();
}

function isSecret(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

function plain(v: any): any {
  if (isSecret(v)) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object" && !(v instanceof pulumi.asset.Asset)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

const options = {
  repoDir: "/opt/logos/repo",
  agentHash: AGENT_HASH,
  agentScriptDigest: "e".repeat(64),
  ref: REF,
  stateDir: "/var/lib/logos/state",
  timeouts: { lem: 1800, boot: 1800 },
};

function args(overrides: Partial<import("../../components/proof-validation").ProofValidationArgs> = {}) {
  return {
    node: { name: "logos-core-0", host: "10.20.1.10", id: "i-0abc" },
    bastion: { host: "203.0.113.7", user: "logos" },
    user: "logos",
    privateKey: PRIVATE_KEY,
    options,
    ...overrides,
  };
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
}

describe("ProofValidation", () => {
  it("re-runs when a gate changes (footprint pins, signers, Coq pin, sandbox), not when pins are merely reordered", () => {
    const base = mod.gateSettingsDigest({ ...options, allowedAxioms: ["A.a", "B.b"] });
    expect(mod.gateSettingsDigest({ ...options, allowedAxioms: ["B.b", "A.a"] })).toBe(base);
    for (const changed of [
      { allowedAxioms: ["A.a"] },
      { footprintTheorem: "M.pxl_excluded_middle" },
      { strictFootprint: false },
      { trustedSigners: ["release@logos ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYTGUdmiYKXH"] },
      { coqVersion: "8.18.0+dfsg-1build2" },
      { writeSandbox: false },
    ]) {
      expect(mod.gateSettingsDigest({ ...options, allowedAxioms: ["A.a", "B.b"], ...changed }), JSON.stringify(changed)).not.toBe(base);
    }
  });

  it("copies the script and runs the exact pure command through the bastion", async () => {
    const v = new mod.ProofValidation("v", args());
    const result = await valueOf(v.result);
    await settle();

    const copy = resources.find((r) => r.name === "v-copy");
    const run = resources.find((r) => r.name === "v-run");
    expect(copy?.type).toBe("command:remote:CopyToRemote");
    expect(run?.type).toBe("command:remote:Command");

    const expected = buildValidationCommand({
      ...options,
      nodeName: "logos-core-0",
      scriptPath: VALIDATION_SCRIPT_REMOTE_COPY,
      waitForBoot: true,
    });
    expect(run?.inputs["create"]).toBe(expected);
    expect(v.command).toBe(expected);
    expect(run?.inputs["logging"]).toBe("stderr");
    expect(run?.inputs["addPreviousOutputInEnv"]).toBe(false);
    expect(run?.inputs["triggers"]).toEqual([
      scriptDigest(),
      AGENT_HASH,
      "e".repeat(64),
      REF,
      "i-0abc",
      "logos-core-0",
      "",
      mod.gateSettingsDigest(options),
    ]);

    expect(copy?.inputs["remotePath"]).toBe(VALIDATION_SCRIPT_REMOTE_COPY);
    await expect((copy?.inputs["source"] as pulumi.asset.FileAsset).path).resolves.toBe(VALIDATION_SCRIPT_SOURCE);
    expect(copy?.inputs["triggers"]).toEqual([scriptDigest(), "i-0abc"]);

    for (const r of [copy, run]) {
      expect(plain(r?.inputs["connection"])).toEqual({
        host: "10.20.1.10",
        port: 22,
        user: "logos",
        privateKey: PRIVATE_KEY,
        dialErrorLimit: mod.DEFAULT_DIAL_ERROR_LIMIT,
        perDialTimeout: mod.DEFAULT_PER_DIAL_TIMEOUT,
        proxy: {
          host: "203.0.113.7",
          port: 22,
          user: "logos",
          privateKey: PRIVATE_KEY,
          dialErrorLimit: mod.DEFAULT_DIAL_ERROR_LIMIT,
          perDialTimeout: mod.DEFAULT_PER_DIAL_TIMEOUT,
        },
      });
    }
    expect(result).toEqual(resultFor("logos-core-0"));
    expect(await valueOf(v.status)).toBe("pass");
  });

  it("marks the private key secret wherever it travels", async () => {
    new mod.ProofValidation("s", args());
    await settle();
    for (const name of ["s-copy", "s-run"]) {
      const connection = resources.find((r) => r.name === name)?.inputs["connection"];
      const key = isSecret(connection) ? connection.value.privateKey : connection.privateKey;
      const proxyKey = isSecret(connection) ? connection.value.proxy.privateKey : connection.proxy;
      expect(isSecret(connection) || isSecret(key), `${name} connection.privateKey must be secret`).toBe(true);
      expect(isSecret(connection) || isSecret(proxyKey) || isSecret(proxyKey?.privateKey)).toBe(true);
      expect(JSON.stringify(resources.find((r) => r.name === name)?.inputs["create"] ?? "")).not.toContain("PRIVATE KEY");
    }
  });

  it("pins host keys and dial limits when given", async () => {
    new mod.ProofValidation(
      "k",
      args({
        node: { name: "logos-core-1", host: "10.20.1.11", id: "i-1", hostKey: "ssh-ed25519 AAAAnode", port: 2222 },
        bastion: { host: "203.0.113.7", user: "ops", hostKey: "ssh-ed25519 AAAAbastion" },
        dialErrorLimit: 3,
        perDialTimeout: 5,
        rerun: "2026-11-26",
      }),
    );
    await settle();
    expect(resources.find((r) => r.name === "k-run")?.inputs["triggers"]).toContain("2026-11-26");
    const connection = plain(resources.find((r) => r.name === "k-run")?.inputs["connection"]);
    expect(connection).toMatchObject({
      host: "10.20.1.11",
      port: 2222,
      hostKey: "ssh-ed25519 AAAAnode",
      dialErrorLimit: 3,
      perDialTimeout: 5,
      proxy: { user: "ops", hostKey: "ssh-ed25519 AAAAbastion", dialErrorLimit: 3, perDialTimeout: 5 },
    });
  });

  it("reports every invalid argument at once, naming the node", () => {
    expect(
      () =>
        new mod.ProofValidation(
          "invalid",
          args({ options: { ...options, agentHash: "nope", stateDir: "relative" }, dialErrorLimit: 0, perDialTimeout: 1.5 }),
        ),
    ).toThrow(
      [
        "ProofValidation invalid (node logos-core-0):",
        '  validation.agentHash ("nope") must be 64 lowercase hex digits',
        '  validation.stateDir ("relative") must be an absolute path',
        "  dialErrorLimit (0) must be a positive integer",
        "  perDialTimeout (1.5) must be a positive integer",
      ].join("\n"),
    );
  });
});

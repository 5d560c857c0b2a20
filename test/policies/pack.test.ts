/**
 * The pack under the real analyzer: started exactly as `pulumi preview
 * --policy-pack policies` starts it (@pulumi/pulumi's run-policy-pack, which
 * compiles the TypeScript with ts-node and type-checks it), then driven over
 * gRPC the way the engine drives it. Proves the pack loads, advertises every
 * rule with its metadata, applies config, and that unknowns fail closed in
 * the engine too — not just in the offline evaluator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNKNOWN } from "../../infra/plan/types";
import { PACK_NAME, registry } from "../../policies/registry";

/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require("@grpc/grpc-js") as any;
const services = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js") as any;
const messages = require("@pulumi/pulumi/proto/analyzer_pb.js") as any;
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js") as any;
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js") as any;
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = join(__dirname, "..", "..");
let pack: ChildProcess;
let client: any;

function call<T>(method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response)));
  });
}

interface Diagnostic {
  readonly policy: string;
  readonly enforcementLevel: number;
  readonly message: string;
}

async function analyze(type: string, properties: Record<string, unknown>): Promise<Diagnostic[]> {
  const request = new messages.AnalyzeRequest();
  request.setType(type);
  request.setName("subject");
  request.setUrn(`urn:pulumi:test::logos-compute::${type}::subject`);
  request.setProperties(Struct.fromJavaScript(properties));
  const options = new messages.AnalyzerResourceOptions();
  options.setCustomtimeouts(new messages.AnalyzerResourceOptions.CustomTimeouts());
  request.setOptions(options);
  const response = await call<any>("analyze", request);

  return response.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    enforcementLevel: d.getEnforcementlevel(),
    message: d.getMessage(),
  }));
}

const MANDATORY = messages.EnforcementLevel.MANDATORY as number;

beforeAll(async () => {
  const runner = join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
  pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    pack.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(out);
      if (match) resolve(match[1]!);
    });
    pack.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    pack.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${err}`)));
  });
  client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const configure = new messages.ConfigureAnalyzerRequest();
  const config = configure.getPolicyconfigMap();
  for (const rule of registry.rules) {
    if (!("operatorCidrs" in rule.configSchema.properties)) continue;
    const policyConfig = new messages.PolicyConfig();
    policyConfig.setEnforcementlevel(MANDATORY);
    policyConfig.setProperties(Struct.fromJavaScript({ operatorCidrs: ["203.0.113.0/24"] }));
    config.set(rule.name, policyConfig);
  }
  await call("configure", configure);
}, 120_000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

describe("the pack under the real analyzer", () => {
  it("advertises every registered rule with its metadata", async () => {
    const info = await call<any>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe(PACK_NAME);
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getSupportsconfig()).toBe(true);

    const advertised = info.getPoliciesList().map((p: any) => ({
      name: p.getName(),
      enforcementLevel: p.getEnforcementlevel(),
      hasRemediation: p.getRemediationSteps().length > 0,
      configKeys: Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}).sort(),
    }));
    expect(advertised).toEqual(
      registry.rules.map((r) => ({
        name: r.name,
        enforcementLevel: MANDATORY,
        hasRemediation: true,
        configKeys: [...r.configKeys].sort(),
      })),
    );
  });

  it("passes a compliant resource", async () => {
    const sg = {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }],
      tags: { "logos-role": "bastion" },
    };
    expect(await analyze("aws:ec2/securityGroup:SecurityGroup", sg)).toEqual([]);
  });

  it("blocks SSH from the world, as a mandatory violation", async () => {
    const sg = { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] };
    expect(await analyze("aws:ec2/securityGroup:SecurityGroup", sg)).toEqual([
      {
        policy: "aws-ec2-sg-no-public-ingress",
        enforcementLevel: MANDATORY,
        message: expect.stringContaining("ingress[0] source 0.0.0.0/0 (tcp 22) admits the whole internet"),
      },
    ]);
  });

  it("uses the configured operatorCidrs for the bastion", async () => {
    const nsg = {
      securityRules: [
        { direction: "Inbound", access: "Allow", protocol: "Tcp", sourceAddressPrefix: "198.51.100.0/24", destinationPortRange: "22" },
      ],
      tags: { "logos-role": "bastion" },
    };
    const [diagnostic] = await analyze("azure-native:network:NetworkSecurityGroup", nsg);
    expect(diagnostic?.message).toContain("is outside operatorCidrs (203.0.113.0/24)");
  });

  it("fails closed on an unknown value (mandatory, not the engine's advisory note)", async () => {
    const disk = { diskEncryptionKey: { kmsKeySelfLink: UNKNOWN }, labels: { "logos-proof-gated": "true" } };
    expect(await analyze("gcp:compute/disk:Disk", disk)).toEqual([
      {
        policy: "gcp-compute-disk-cmek",
        enforcementLevel: MANDATORY,
        message: expect.stringContaining("diskEncryptionKey.kmsKeySelfLink is unknown"),
      },
    ]);
  });
});

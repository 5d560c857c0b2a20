/**
 * ProofValidation: after the pool is up, proves on one core node that the
 * proof-gated workflow runs correctly. Copies `infra/node/validate_proof.py`
 * to the node and runs it through the bastion; the script's JSON result
 * becomes this component's outputs, and a failing node fails the deployment
 * with the node and the stage in the message.
 */
import { createHash } from "node:crypto";

import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import {
  VALIDATION_SCRIPT_REMOTE_COPY,
  VALIDATION_SCRIPT_SOURCE,
  acceptValidationOutput,
  buildValidationCommand,
  scriptDigest,
  validationOptionProblems,
  type ValidationOptions,
  type ValidationResult,
} from "../../infra/node/validation";

export interface ProofValidationNode {
  /** Node name, used in messages and in the script's result. */
  readonly name: string;
  /** Private address of the node, reached through the bastion. */
  readonly host: pulumi.Input<string>;
  /** Cloud identity of the node (instance id); a replaced node is validated again. */
  readonly id: pulumi.Input<string>;
  /**
   * The node's SSH host public key (`ssh-ed25519 AAAA…`), pinned for the connection.
   * @default not verified: the adapter cannot know it before first boot
   */
  readonly hostKey?: pulumi.Input<string>;
  /** @default 22 */
  readonly port?: pulumi.Input<number>;
}

export interface ProofValidationBastion {
  /** Public address of the bastion. */
  readonly host: pulumi.Input<string>;
  readonly user: string;
  /** The bastion's SSH host public key. @default not verified */
  readonly hostKey?: pulumi.Input<string>;
  /** @default 22 */
  readonly port?: pulumi.Input<number>;
}

export interface ProofValidationArgs {
  readonly node: ProofValidationNode;
  readonly bastion: ProofValidationBastion;
  /** Login user on the node: owner of the checkout and of the state directory. */
  readonly user: string;
  /** Private key for bastion and node; always treated as a secret. */
  readonly privateKey: pulumi.Input<string>;
  /** What to check on the node; `nodeName` and `scriptPath` are filled in here. */
  readonly options: Omit<ValidationOptions, "nodeName" | "scriptPath">;
  /**
   * Where the script is copied on the node; relative paths are under the
   * login user's home.
   * @default VALIDATION_SCRIPT_REMOTE_COPY
   */
  readonly scriptPath?: string;
  /** Dial attempts before giving up (bastion and node each). @default 12 */
  readonly dialErrorLimit?: number;
  /** Seconds per dial attempt. @default 20 */
  readonly perDialTimeout?: number;
  /**
   * Any value; changing it re-runs the validation on an otherwise unchanged
   * node (e.g. a `validationRun` stack setting bumped by an operator).
   * @default none: the validation runs when the node, script or pins change
   */
  readonly rerun?: pulumi.Input<string>;
}

export const DEFAULT_DIAL_ERROR_LIMIT = 12;
export const DEFAULT_PER_DIAL_TIMEOUT = 20;

/** Who to reach and how: what ProofValidation and NodeSync share. */
export interface BastionHop {
  readonly node: ProofValidationNode;
  readonly bastion: ProofValidationBastion;
  readonly user: string;
  readonly privateKey: pulumi.Input<string>;
  readonly dialErrorLimit?: number;
  readonly perDialTimeout?: number;
}

/**
 * The SSH connection to a node through the bastion, one key for both hops,
 * always a secret. Host keys are verified only where the caller knows them;
 * cloud VMs generate theirs at first boot, so the adapters usually cannot.
 */
export function bastionConnection(hop: BastionHop): command.types.input.remote.ConnectionArgs {
  const privateKey = pulumi.secret(hop.privateKey);
  const dialErrorLimit = hop.dialErrorLimit ?? DEFAULT_DIAL_ERROR_LIMIT;
  const perDialTimeout = hop.perDialTimeout ?? DEFAULT_PER_DIAL_TIMEOUT;
  return {
    host: hop.node.host,
    port: hop.node.port ?? 22,
    user: hop.user,
    privateKey,
    dialErrorLimit,
    perDialTimeout,
    ...(hop.node.hostKey !== undefined ? { hostKey: hop.node.hostKey } : {}),
    proxy: {
      host: hop.bastion.host,
      port: hop.bastion.port ?? 22,
      user: hop.bastion.user,
      privateKey,
      dialErrorLimit,
      perDialTimeout,
      ...(hop.bastion.hostKey !== undefined ? { hostKey: hop.bastion.hostKey } : {}),
    },
  };
}

export class ProofValidation extends pulumi.ComponentResource {
  /** The script's JSON result on this node. */
  public readonly result: pulumi.Output<ValidationResult>;
  /** `pass` (a failing node fails the deployment before this resolves). */
  public readonly status: pulumi.Output<ValidationResult["status"]>;
  /** The exact command run on the node (contains no secret). */
  public readonly command: string;

  constructor(name: string, args: ProofValidationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("logos:compute:ProofValidation", name, {}, opts);

    const problems = [
      ...validationOptionProblems(args.options),
      ...positive("dialErrorLimit", args.dialErrorLimit),
      ...positive("perDialTimeout", args.perDialTimeout),
    ];
    if (problems.length > 0) {
      throw new Error(`ProofValidation ${name} (node ${args.node.name}):\n  ${problems.join("\n  ")}`);
    }

    const scriptPath = args.scriptPath ?? VALIDATION_SCRIPT_REMOTE_COPY;
    this.command = buildValidationCommand({ ...args.options, nodeName: args.node.name, scriptPath, waitForBoot: true });
    const digest = scriptDigest();
    const connection = bastionConnection(args);

    const copy = new command.remote.CopyToRemote(
      `${name}-copy`,
      {
        connection,
        source: new pulumi.asset.FileAsset(VALIDATION_SCRIPT_SOURCE),
        remotePath: scriptPath,
        triggers: [digest, args.node.id],
      },
      { parent: this },
    );

    const run = new command.remote.Command(
      `${name}-run`,
      {
        connection,
        create: this.command,
        // Progress and the failure line stream to the deployment log; the
        // JSON result on stdout becomes an output instead of log noise.
        logging: command.types.enums.remote.Logging.Stderr,
        addPreviousOutputInEnv: false,
        triggers: [
          digest,
          args.options.agentHash,
          args.options.agentScriptDigest ?? "",
          args.options.ref ?? "",
          args.node.id,
          args.node.name,
          args.rerun ?? "",
          gateSettingsDigest(args.options),
        ],
      },
      { parent: this, dependsOn: [copy] },
    );

    const nodeName = args.node.name;
    this.result = run.stdout.apply((stdout) => acceptValidationOutput(nodeName, stdout));
    this.status = this.result.apply((r) => r.status);

    this.registerOutputs({ result: this.result, status: this.status });
  }
}

/**
 * What else decides a validation's verdict (footprint pins, trusted signers,
 * Coq pin, sandbox): a changed gate re-runs the validation, once.
 */
export function gateSettingsDigest(o: ProofValidationArgs["options"]): string {
  const gates = {
    footprintTheorem: o.footprintTheorem ?? null,
    strictFootprint: o.strictFootprint ?? true,
    allowedAxioms: [...(o.allowedAxioms ?? [])].sort(),
    trustedSigners: [...(o.trustedSigners ?? [])].map((s) => s.trim()).sort(),
    coqVersion: o.coqVersion ?? null,
    writeSandbox: o.writeSandbox ?? true,
  };
  return createHash("sha256").update(JSON.stringify(gates)).digest("hex");
}

function positive(property: string, value: number | undefined): string[] {
  if (value === undefined || (Number.isInteger(value) && value > 0)) {
    return [];
  }
  return [`${property} (${value}) must be a positive integer`];
}

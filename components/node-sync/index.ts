/**
 * NodeSync: brings one running core node's evolving configuration current
 * (operator keys, archive uploader, monitoring configuration, result
 * appender, pinned Coq) and grows its state filesystem to its disk, over SSH
 * through the bastion, before the node's validation. Copies
 * `infra/node/node_sync.py` and runs it with the manifest on stdin; a node
 * that cannot be reached or refuses fails the deployment with its name.
 *
 * It re-runs when the manifest or the script changes, when the state disk's
 * size changes, and when the node is replaced (its id): a targeted
 * `pulumi up --replace` re-creates a core VM with the old values of its
 * ignored inputs (old user-data and image: pulumi/pulumi
 * pkg/resource/deploy/step_generator.go checks the program's inputs again only
 * for a replacement the engine decides itself), and this step brings it
 * current before its validation.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import {
  SYNC_SCRIPT_REMOTE_COPY,
  SYNC_SCRIPT_SOURCE,
  buildSyncCommand,
  manifestDigest,
  manifestText,
  parseSyncResult,
  syncManifestProblems,
  syncScriptDigest,
  type SyncManifest,
  type SyncResult,
} from "../../infra/node/sync";
import { bastionConnection, type ProofValidationBastion, type ProofValidationNode } from "../proof-validation";

export interface NodeSyncArgs {
  readonly node: ProofValidationNode;
  readonly bastion: ProofValidationBastion;
  /** Login user on the node (passwordless sudo). */
  readonly user: string;
  /** Private key for bastion and node; always treated as a secret. */
  readonly privateKey: pulumi.Input<string>;
  /** What the node is brought to; its content only, so it may hold values the engine computes. */
  readonly manifest: pulumi.Input<SyncManifest>;
  /** The state disk's size: a larger one re-runs the step, which grows the filesystem. */
  readonly stateDiskGiB: number;
  /** @default SYNC_SCRIPT_REMOTE_COPY (under the login user's home) */
  readonly scriptPath?: string;
  /** @default 12 */
  readonly dialErrorLimit?: number;
  /** @default 20 */
  readonly perDialTimeout?: number;
}

export class NodeSync extends pulumi.ComponentResource {
  /** The script's JSON summary on this node. */
  public readonly result: pulumi.Output<SyncResult>;

  constructor(name: string, args: NodeSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("logos:compute:NodeSync", name, {}, opts);

    const scriptPath = args.scriptPath ?? SYNC_SCRIPT_REMOTE_COPY;
    const connection = bastionConnection(args);

    const nodeName = args.node.name;
    const manifest = pulumi.output(args.manifest).apply((m) => {
      const problems = syncManifestProblems(m);
      if (problems.length > 0) throw new Error(`NodeSync ${name} (node ${nodeName}):\n  ${problems.join("\n  ")}`);
      return m;
    });
    const script = syncScriptDigest();

    const copy = new command.remote.CopyToRemote(
      `${name}-copy`,
      { connection, source: new pulumi.asset.FileAsset(SYNC_SCRIPT_SOURCE), remotePath: scriptPath, triggers: [script, args.node.id] },
      { parent: this },
    );

    const run = new command.remote.Command(
      `${name}-run`,
      {
        connection,
        create: buildSyncCommand(scriptPath),
        stdin: manifest.apply(manifestText),
        logging: command.types.enums.remote.Logging.Stderr,
        addPreviousOutputInEnv: false,
        triggers: [script, manifest.apply(manifestDigest), args.node.id, String(args.stateDiskGiB)],
      },
      { parent: this, dependsOn: [copy] },
    );

    this.result = run.stdout.apply((stdout) => parseSyncResult(nodeName, stdout));
    this.registerOutputs({ result: this.result });
  }
}

/**
 * The program: config → spec → pool → proof validation, log archive and
 * monitoring → stack outputs. `infra/index.ts` exports what this returns; the
 * offline plan calls it under the mock monitor.
 */
import * as pulumi from "@pulumi/pulumi";
import { archiveBootstrap, archiveCommandFor, archiveEntropy, deploymentArchiveNames, LogArchive } from "../components/log-archive";
import { archiveTarget } from "../components/log-archive/names";
import { availabilityBootstrap, Monitoring, monitoringBootstrap } from "../components/monitoring";
import { VmPool, type BootstrapExtras } from "../components/pool";
import type { DeepInput } from "../components/pool/types";
import { dropApiVersionAliases } from "../components/pool/azure-names";
import { NodeSync } from "../components/node-sync";
import { ProofValidation } from "../components/proof-validation";
import { coqPin, STATE_DEVICE_FILE } from "./bootstrap";
import type { SyncManifest } from "./node/sync";
import { renderValidationUnit, VALIDATION_RESULT_PATH, type ValidationOptions } from "./node/validation";
import { deploymentId } from "./deployment";
import { buildSchedulerDocument } from "./scheduler/contract";
import type { NodeValidation, SchedulerDocument } from "./scheduler/schema";
import { rolloutPredecessor } from "./rollout";
import { parseSpec, SpecError, specWarnings, type PoolSpec, type RawConfig } from "./spec";

export type { DeepInput } from "../components/pool/types";

export interface ProgramOutputs {
  readonly [name: string]: pulumi.Input<unknown>;
}

/**
 * Reads and validates config; a bad config stops the run with every problem
 * listed under the stack file's name, and what deserves a word is logged as a
 * warning.
 */
export function specFromConfig(raw: RawConfig = pulumi.runtime.allConfig()): PoolSpec {
  let spec: PoolSpec;
  try {
    spec = parseSpec(raw);
  } catch (e) {
    // RunError prints the message alone, without a stack trace.
    if (e instanceof SpecError) throw new pulumi.RunError(`stacks/Pulumi.${pulumi.getStack()}.yaml: ${e.message}`);
    throw e;
  }
  for (const warning of specWarnings(spec)) void pulumi.log.warn(warning);
  return spec;
}

/** Concatenates bootstrap extras in order. */
export function mergeExtras(...parts: readonly BootstrapExtras[]): BootstrapExtras {
  return {
    files: parts.flatMap((p) => p.files ?? []),
    computedFiles: parts.flatMap((p) => p.computedFiles ?? []),
    packages: [...new Set(parts.flatMap((p) => p.packages ?? []))],
    commands: parts.flatMap((p) => p.commands ?? []),
  };
}

/** What the validation checks on every node, from the spec. */
export function validationOptions(spec: PoolSpec, archiveCommand: string): Omit<ValidationOptions, "nodeName" | "scriptPath"> {
  return {
    repoDir: spec.repo.dir,
    agentHash: spec.repo.agentHash,
    ...(spec.repo.agentScriptDigest !== undefined ? { agentScriptDigest: spec.repo.agentScriptDigest } : {}),
    ref: spec.repo.ref,
    stateDir: spec.stateDir,
    archiveCommand,
    timeouts: spec.validation.timeouts,
    footprintTheorem: spec.validation.footprintTheorem,
    strictFootprint: spec.validation.strictFootprint,
    allowedAxioms: spec.validation.allowedAxioms,
    ...(spec.validation.trustedSigners.length > 0 ? { trustedSigners: spec.validation.trustedSigners } : {}),
    ...(spec.validation.coqVersion !== "" ? { coqVersion: spec.validation.coqVersion } : {}),
    writeSandbox: spec.validation.writeSandbox,
    resultFile: VALIDATION_RESULT_PATH,
  };
}

/**
 * What every node installs beyond the toolchain for the validation's guards:
 * exactly the pinned Coq, held; `gpg` when a trusted signer is an OpenPGP key.
 */
export function toolchainBootstrap(spec: PoolSpec): BootstrapExtras {
  const pin = coqPin(spec.validation.coqVersion);
  const openpgp = spec.validation.trustedSigners.some((s) => s.includes("BEGIN PGP PUBLIC KEY BLOCK"));
  return { packages: [...pin.packages, ...(openpgp ? ["gpg"] : [])], commands: pin.commands };
}

/**
 * What every running core node is brought to by its sync step (NodeSync):
 * the operator and deploy keys, and every bootstrap extra that evolves with
 * the program or the config (pinned Coq, archive uploader and target,
 * monitoring agent and configuration, the result appender and its
 * directory). Core user-data carries none of it, so none of it ever changes
 * a core VM; the step also grows the state filesystem to its disk.
 */
export function coreSyncManifest(
  spec: PoolSpec,
  evolving: BootstrapExtras,
  deployPublicKey: pulumi.Input<string>,
  node: string,
): pulumi.Output<SyncManifest> {
  const computed = evolving.computedFiles ?? [];
  return pulumi.all([deployPublicKey, pulumi.all(computed.map((f) => f.content))]).apply(([deployKey, texts]) => ({
    version: 1 as const,
    node,
    user: spec.access.sshUser,
    authorizedKeys: [spec.access.sshPublicKey.trim(), deployKey.trim()],
    files: [...(evolving.files ?? []), ...computed.map((f, i) => ({ ...f, content: texts[i] ?? "" }))].map((f) => ({
      path: f.path,
      content: f.content,
      permissions: f.permissions,
      owner: f.owner ?? "root:root",
    })),
    packages: [...(evolving.packages ?? [])],
    commands: (evolving.commands ?? []).map((c) => [...c]),
    stateDeviceFile: STATE_DEVICE_FILE,
    stateDir: spec.stateDir,
  }));
}

/**
 * Per core node, in lanes of `rolloutBatchSize` (node i waits for node
 * i - batch, so one `pulumi up` rolls the pool a bounded batch at a time and
 * the bastion never carries more SSH sessions than that): first the sync
 * step (keys, evolving files, pinned Coq, filesystem grown to its disk),
 * then one ProofValidation, which checks out `repoRef` (core user-data
 * carries no ref, so a new pin never touches the VMs) and validates it — or,
 * with `validate: false`, only checks out.
 */
export function rollOutCoreNodes(
  spec: PoolSpec,
  pool: VmPool,
  archive: pulumi.Resource,
  checks: Omit<ValidationOptions, "nodeName" | "scriptPath">,
  evolving: BootstrapExtras = {},
): { syncs: NodeSync[]; validations: ProofValidation[] } {
  const options = spec.validation.enabled ? { ...checks, checkout: true } : { ...checks, checkoutOnly: true };
  const rollouts: ProofValidation[] = [];
  const syncs: NodeSync[] = [];
  pool.nodes.forEach((n, i) => {
    const previous = rolloutPredecessor(i, spec.validation.rolloutBatchSize);
    const node = { name: n.slot.name, host: n.slot.privateIp, id: n.instanceId };
    const bastion = { host: pool.bastionPublicIp, user: spec.access.sshUser };
    // The lane's previous node, whose children (copy, run) must have finished:
    // its sync too, so a change that only re-runs the syncs still rolls in lanes.
    const lane = previous !== undefined ? [syncs[previous] as NodeSync, rollouts[previous] as ProofValidation] : [];
    // Everything on the path: the node with its state disk attached (and
    // resized), the bastion hop, the rules and routes between.
    const path = [n.instance, ...n.readyForValidation, ...pool.bastionReady];
    const sync = new NodeSync(
      `${n.slot.name}-sync`,
      {
        node,
        bastion,
        user: spec.access.sshUser,
        privateKey: pool.deployPrivateKey,
        manifest: coreSyncManifest(spec, evolving, pool.deployPublicKey, n.slot.name),
        stateDiskGiB: spec.disks.stateGiB,
      },
      // The archive too: the manifest's target file names it.
      { dependsOn: [...path, archive, ...lane] },
    );
    syncs.push(sync);
    rollouts.push(
      new ProofValidation(
        `${n.slot.name}-validate`,
        { node, bastion, user: spec.access.sshUser, privateKey: pool.deployPrivateKey, options },
        // After the node's own sync (its uploader, pinned Coq and result directory), and the archive it uploads to.
        { dependsOn: [...path, archive, sync, ...lane] },
      ),
    );
  });
  return { syncs, validations: rollouts };
}

/** The loud lines a deployment prints for each validation gate switched off; none when all gate. */
export function validationGateWarnings(spec: PoolSpec): string[] {
  if (!spec.validation.enabled) return [];
  return [
    ...(spec.validation.strictFootprint
      ? []
      : [
          "logos-compute:strictFootprint is false: the proof validation does NOT gate on the axiom footprint; " +
            "an admitted lemma the gated theorem uses only warns. Set it to true (the default) to gate.",
        ]),
    ...(spec.validation.writeSandbox
      ? []
      : [
          "logos-compute:writeSandbox is false: the workload may write anywhere its user can, not only to the state disk " +
            "and its checkout. Set it to true (the default) to confine it.",
        ]),
  ];
}

/** Core nodes validate only on their state disk, which their bootstrap names (burst nodes have none). */
export function coreValidationOptions(spec: PoolSpec, archiveCommand: string): Omit<ValidationOptions, "nodeName" | "scriptPath"> {
  return { ...validationOptions(spec, archiveCommand), stateDeviceFile: STATE_DEVICE_FILE };
}

export function main(spec: PoolSpec = specFromConfig()): ProgramOutputs {
  // The archive's global names carry entropy kept in the state, known to the
  // engine only at deploy time: cloud-init (burst nodes) or the sync step
  // (core nodes) writes the target into a file and the upload command (a
  // plain string the validation and the burst boot unit carry) reads it there.
  const names = deploymentArchiveNames(spec, archiveEntropy(`${spec.name}-archive-entropy`));
  // What tells this stack's account-scoped names, metrics and alerts from another stack's (pilot and pool both run pool "logos").
  const deployment = deploymentId({ project: pulumi.getProject(), stack: pulumi.getStack() });
  const archiveCommand = archiveCommandFor({
    cloud: spec.cloud,
    pool: spec.name,
    ...(spec.cloud === "aws" ? { region: spec.region } : {}),
  });
  const checks = validationOptions(spec, archiveCommand);
  for (const warning of validationGateWarnings(spec)) void pulumi.log.warn(warning);

  const shared = mergeExtras(
    toolchainBootstrap(spec),
    archiveBootstrap(names.apply((n) => archiveTarget(spec.cloud, n))),
    monitoringBootstrap(spec, deployment),
  );
  // Core nodes are validated over SSH as the login user, who must own the result directory.
  const resultDir: BootstrapExtras = {
    commands: [["install", "-d", "-m", "0755", "-o", spec.access.sshUser, "-g", spec.access.sshUser, "/var/lib/logos/validation"]],
  };
  const bootUnit = renderValidationUnit({ ...checks, user: spec.access.sshUser });
  // The monitoring is built after the pool (it watches the nodes), but the
  // nodes must boot after what their agents write into: the pool waits on a
  // promise the monitoring resolves.
  let resolveSinks: (sinks: readonly pulumi.Resource[]) => void = () => undefined;
  const nodeSinks = new Promise<readonly pulumi.Resource[]>((resolve) => (resolveSinks = resolve));
  // Core user-data carries only first-boot essentials that never change on
  // day 2 (infra/bootstrap.ts); what evolves reaches every running core node
  // through its sync step (rollOutCoreNodes). Only core nodes count toward
  // coreNodes: only they report whether they hold a passing validation.
  const coreEvolving = mergeExtras(shared, resultDir, availabilityBootstrap(spec));
  const pool = new VmPool(spec.name, {
    reportsTo: nodeSinks,
    spec,
    coreBootstrap: {},
    burstBootstrap: spec.validation.enabled ? mergeExtras(shared, { files: bootUnit.files, commands: bootUnit.commands }) : shared,
  });

  // The pool drops azure-native's per-API-version aliases on its own children;
  // the other components' Azure children need the same (see dropApiVersionAliases).
  const componentOpts: pulumi.ComponentResourceOptions = spec.cloud === "azure" ? { transformations: [dropApiVersionAliases] } : {};

  // Nodes also write into the archive (a burst member uploads its audit log
  // once its boot's validation passed): it is one of their sinks.
  let archive: LogArchive;
  try {
    archive = new LogArchive(
      `${spec.name}-archive`,
      {
        spec,
        names,
        encryptionKeyId: pool.encryptionKeyId,
        encryptionKeyRef: pool.encryptionKeyRef,
        encryptionKeyResources: pool.encryptionKeyResources,
        nodeIdentity: pool.nodeIdentity,
        ...(pool.azureKeyVault ? { azureKeyVault: pool.azureKeyVault } : {}),
      },
      componentOpts,
    );
  } catch (e) {
    resolveSinks([]);
    throw e;
  }

  const coreChecks = coreValidationOptions(spec, archiveCommand);
  const rollouts = rollOutCoreNodes(spec, pool, archive, coreChecks, coreEvolving).validations;

  let monitoring: Monitoring | undefined;
  try {
    monitoring = new Monitoring(
      `${spec.name}-monitoring`,
      {
        spec,
        nodes: pool.nodes.map((n) => ({ name: n.slot.name, instanceId: n.instanceId, instance: n.instance })),
        ...(pool.burst ? { burst: pool.burst } : {}),
        nodeIdentity: pool.nodeIdentity,
        deployment,
        bastionInstanceId: pool.bastionInstanceId,
        // Counting validated core nodes starts once they have been validated.
        availabilityAfter: rollouts,
      },
      componentOpts,
    );
  } finally {
    // Never leave the pool's resources waiting: a failed build resolves to nothing and the error stands.
    resolveSinks([archive, ...(monitoring?.nodeSinks ?? [])]);
  }
  const validations = rollouts.map((r) => (spec.validation.enabled ? r : undefined));
  // In a preview nothing has run on the nodes yet, so the scheduler is told
  // "pending" rather than a value that is unknown until the update.
  const preview = pulumi.runtime.isDryRun();
  const nodeResults: pulumi.Output<NodeValidation>[] = validations.map((v) =>
    v && preview
      ? pulumi.output<NodeValidation>({ status: "pending" })
      : v
        ? v.result.apply((r): NodeValidation => ({
            status: r.status,
            stage: r.stage,
            ...(r.ref ? { ref: r.ref } : {}),
            ...(r.auditEntriesAfter !== null ? { auditEntries: r.auditEntriesAfter } : {}),
          }))
        : pulumi.output<NodeValidation>({ status: "disabled" }),
  );

  // The document's shape is decided from plain values; only what the cloud
  // assigns (bastion address, group ids, validation results) stays an Output,
  // so a preview shows every node with just those fields unknown.
  const plain = buildSchedulerDocument({
    pool: spec.name,
    cloud: spec.cloud,
    region: spec.region,
    bastionHost: "(assigned at deploy)",
    sshUser: spec.access.sshUser,
    stateDir: spec.stateDir,
    machine: { vcpus: spec.machine.type.vcpus, memoryGiB: spec.machine.type.memoryGiB },
    nodes: pool.nodes.map((n) => ({
      name: n.slot.name,
      host: n.slot.privateIp,
      zone: n.slot.zone,
      machineType: n.machineType,
      vcpus: n.vcpus,
      memoryGiB: n.memoryGiB,
      validation: { status: "pending" },
    })),
    ...(pool.burst
      ? {
          burst: {
            group: "(assigned at deploy)",
            min: pool.burst.min,
            max: pool.burst.max,
            discoveryTag: pool.burst.discoveryTag,
            validatedTag: pool.burst.validatedTag,
            inService: pool.burst.contract.inService,
            scaleIn: pool.burst.contract.scaleIn,
            ...(pool.burst.standby
              ? {
                  standby: {
                    kind: pool.burst.standby.kind,
                    group: "(assigned at deploy)",
                    size: pool.burst.standby.size,
                    tag: pool.burst.standby.tag,
                    state: pool.burst.standby.state,
                  },
                }
              : {}),
          },
        }
      : {}),
  });
  const burst = pool.burst;
  const scheduler: DeepInput<SchedulerDocument> = {
    ...plain,
    bastion: { ...plain.bastion, host: pool.bastionPublicIp },
    nodes: plain.nodes.map((n, i) => ({ ...n, validation: nodeResults[i] })),
    groups: plain.groups.map((g) =>
      g.role === "standby" || !burst
        ? { ...g, group: burst?.standby ? burst.standby.id : g.group }
        : { ...g, group: burst.groupName, target: burst.contract.target, demand: burst.contract.demand },
    ),
  };

  return {
    scheduler,
    bastion: {
      publicIp: pool.bastionPublicIp,
      privateIp: pool.bastionPrivateIp,
      sshUser: spec.access.sshUser,
      ssh: pulumi.interpolate`ssh -J ${spec.access.sshUser}@${pool.bastionPublicIp} ${spec.access.sshUser}@<node host>`,
    },
    nodes: pool.nodes.map((n) => ({
      name: n.slot.name,
      zone: n.slot.zone,
      privateIp: n.slot.privateIp,
      machineType: n.machineType,
      vcpus: n.vcpus,
      memoryGiB: n.memoryGiB,
    })),
    validation: Object.fromEntries(pool.nodes.map((n, i) => [n.slot.name, validations[i]?.result ?? { status: "disabled" }])),
    logArchive: { target: archive.target, url: archive.url, archiveCommand: archive.archiveCommand },
    monitoring: { notificationTarget: monitoring.notificationTarget },
    encryptionKey: pool.encryptionKeyId,
  };
}

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
import { ProofValidation } from "../components/proof-validation";
import { coqPin, STATE_DEVICE_FILE } from "./bootstrap";
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
 * One ProofValidation per core node, which first checks out `repoRef` (core
 * user-data carries no ref, so a new pin never touches the VMs) and then
 * validates it — or, with `validate: false`, only checks out. Chained in
 * lanes of `rolloutBatchSize`: node i waits for node i - batch, so one
 * `pulumi up` rolls the pool a bounded batch at a time and the bastion never
 * carries more validations than that.
 */
export function rollOutCoreNodes(
  spec: PoolSpec,
  pool: VmPool,
  archive: pulumi.Resource,
  checks: Omit<ValidationOptions, "nodeName" | "scriptPath">,
): ProofValidation[] {
  const options = spec.validation.enabled ? { ...checks, checkout: true } : { ...checks, checkoutOnly: true };
  const rollouts: ProofValidation[] = [];
  pool.nodes.forEach((n, i) => {
    const previous = rolloutPredecessor(i, spec.validation.rolloutBatchSize);
    rollouts.push(
      new ProofValidation(
        `${n.slot.name}-validate`,
        {
          node: { name: n.slot.name, host: n.slot.privateIp, id: n.instanceId },
          bastion: { host: pool.bastionPublicIp, user: spec.access.sshUser },
          user: spec.access.sshUser,
          privateKey: pool.deployPrivateKey,
          options,
        },
        // Everything on the path: the node with its state disk attached, the
        // bastion hop, the rules and routes between, and the archive it uploads to;
        // then the lane's previous node, whose children (copy, run) must have finished.
        {
          dependsOn: [
            n.instance,
            ...n.readyForValidation,
            ...pool.bastionReady,
            archive,
            ...(previous !== undefined ? [rollouts[previous] as ProofValidation] : []),
          ],
        },
      ),
    );
  });
  return rollouts;
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
  // engine only at deploy time: cloud-init writes the target into a file on
  // every node and the upload command (a plain string the validation and the
  // burst boot unit carry) reads it there.
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
  const pool = new VmPool(spec.name, {
    reportsTo: nodeSinks,
    spec,
    // Only core nodes count toward coreNodes: only they report whether they hold a passing validation.
    coreBootstrap: mergeExtras(shared, resultDir, availabilityBootstrap(spec)),
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
  const rollouts = rollOutCoreNodes(spec, pool, archive, coreChecks);

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

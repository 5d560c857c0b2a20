/**
 * The human summary of a plan: resources by type; each node with machine
 * type, vCPU, memory, disks and their encryption; every public endpoint.
 * Reads only the plan document, so it works on a saved plan too.
 */
import type { Plan, PlannedResource } from "./types";
import { UNKNOWN } from "./types";

interface DiskFact {
  readonly resource: string;
  readonly what: string;
  readonly sizeGiB?: number;
  /** Reference to the customer-managed key / encryption set, or why there is none. */
  readonly cmk: string | undefined;
}

const get = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined), o);

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? (v === UNKNOWN ? "(unknown until deploy)" : v) : undefined;

/** Every disk the plan creates, with its key reference. */
export function diskFacts(plan: Plan): DiskFact[] {
  const facts: DiskFact[] = [];
  for (const r of plan.resources) {
    const i = r.inputs;
    switch (r.type) {
      case "aws:ebs/volume:Volume":
        facts.push({
          resource: r.name,
          what: "state volume",
          sizeGiB: i.size as number,
          cmk: i.encrypted === true ? str(i.kmsKeyId) : undefined,
        });
        break;
      case "aws:ec2/instance:Instance":
        facts.push({
          resource: r.name,
          what: "boot volume",
          sizeGiB: get(i, "rootBlockDevice", "volumeSize") as number,
          cmk: get(i, "rootBlockDevice", "encrypted") === true ? str(get(i, "rootBlockDevice", "kmsKeyId")) : undefined,
        });
        break;
      case "aws:ec2/launchTemplate:LaunchTemplate":
        for (const m of (i.blockDeviceMappings as unknown[]) ?? []) {
          const enc = get(m, "ebs", "encrypted");
          facts.push({
            resource: r.name,
            what: `template volume ${String(get(m, "deviceName"))}`,
            sizeGiB: get(m, "ebs", "volumeSize") as number,
            cmk: enc === true || enc === "true" ? str(get(m, "ebs", "kmsKeyId")) : undefined,
          });
        }
        break;
      case "gcp:compute/disk:Disk":
        facts.push({
          resource: r.name,
          what: "state disk",
          sizeGiB: i.size as number,
          cmk: str(get(i, "diskEncryptionKey", "kmsKeySelfLink")),
        });
        break;
      case "gcp:compute/instance:Instance":
        facts.push({
          resource: r.name,
          what: "boot disk",
          sizeGiB: get(i, "bootDisk", "initializeParams", "size") as number,
          cmk: str(get(i, "bootDisk", "kmsKeySelfLink")),
        });
        break;
      case "gcp:compute/instanceTemplate:InstanceTemplate":
        for (const d of (i.disks as unknown[]) ?? []) {
          facts.push({
            resource: r.name,
            what: "template disk",
            sizeGiB: get(d, "diskSizeGb") as number,
            cmk: str(get(d, "diskEncryptionKey", "kmsKeySelfLink")),
          });
        }
        break;
      case "azure-native:compute:Disk":
        facts.push({
          resource: r.name,
          what: "state disk",
          sizeGiB: i.diskSizeGB as number,
          cmk: str(get(i, "encryption", "diskEncryptionSetId")),
        });
        break;
      case "azure-native:compute:VirtualMachine": {
        const os = get(i, "storageProfile", "osDisk");
        facts.push({
          resource: r.name,
          what: "OS disk",
          sizeGiB: get(os, "diskSizeGB") as number,
          cmk: str(get(os, "managedDisk", "diskEncryptionSet", "id")),
        });
        break;
      }
      case "azure-native:compute:VirtualMachineScaleSet": {
        const os = get(i, "virtualMachineProfile", "storageProfile", "osDisk");
        facts.push({
          resource: r.name,
          what: "template OS disk",
          sizeGiB: get(os, "diskSizeGB") as number,
          cmk: str(get(os, "managedDisk", "diskEncryptionSet", "id")),
        });
        break;
      }
      default:
        break;
    }
  }
  return facts;
}

/** Resources that give something a public address. */
export function publicEndpoints(plan: Plan): PlannedResource[] {
  return plan.resources.filter((r) => {
    const i = r.inputs;
    switch (r.type) {
      case "aws:ec2/eip:Eip":
        return true;
      case "aws:ec2/instance:Instance":
        return i.associatePublicIpAddress === true;
      case "gcp:compute/instance:Instance":
        return ((i.networkInterfaces as unknown[]) ?? []).some((n) => ((get(n, "accessConfigs") as unknown[]) ?? []).length > 0);
      case "gcp:compute/address:Address":
        return i.addressType !== "INTERNAL";
      case "azure-native:network:PublicIPAddress":
        return true;
      default:
        return false;
    }
  });
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

export interface SummaryOptions {
  /** List resources by type and every node (default: the first {@link SHORT_NODE_LIST}). */
  readonly verbose?: boolean;
}

/** Nodes listed one per line before the summary says "… and N more". */
export const SHORT_NODE_LIST = 6;

/** `58 resources (45 cloud, 13 components)`: the one count the CLI prints for a stack, in its progress line and its header. */
export function resourceCount(plan: Plan): string {
  const cloud = plan.resources.filter((r) => r.custom).length;
  return `${plan.resources.length} resources (${cloud} cloud, ${plan.resources.length - cloud} components)`;
}

export function renderSummary(plan: Plan, options: SummaryOptions = {}): string {
  const lines: string[] = [];
  lines.push(`== ${plan.stack} (${plan.cloud}): ${resourceCount(plan)} ==`);
  lines.push("   a plan from the program under the mock monitor, not a cloud preview");

  if (options.verbose) {
    const byType = new Map<string, number>();
    for (const r of plan.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    lines.push("Resources by type:");
    for (const [t, n] of [...byType].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`  ${pad(String(n), 5)} ${t}`);
  }

  const disks = diskFacts(plan);
  const nodes = (plan.outputs.nodes as Array<Record<string, unknown>> | undefined) ?? [];
  const sched = plan.outputs.scheduler as { groups?: Array<{ role?: string; max?: number }> } | undefined;
  const burst = sched?.groups?.find((g) => g.role === "burst");
  const standby = sched?.groups?.find((g) => g.role === "standby");
  lines.push(
    `Nodes: ${nodes.length} core${burst ? `, burst up to ${String(burst.max)} more` : ""}${standby ? `, ${String(standby.max)} standby` : ""}`,
  );
  const shown = options.verbose ? nodes : nodes.slice(0, SHORT_NODE_LIST);
  for (const n of shown) {
    const mine = disks.filter((d) => d.resource === n.name || d.resource.startsWith(`${String(n.name)}-`));
    const diskText = mine.map((d) => `${d.what} ${d.sizeGiB ?? "?"} GiB ${d.cmk ? "CMK" : "NOT CMK-ENCRYPTED"}`).join(", ");
    lines.push(
      `  ${pad(String(n.name), 18)} ${pad(String(n.zone), 12)} ${pad(String(n.privateIp), 14)} ${pad(String(n.machineType), 18)} ${n.vcpus} vCPU / ${n.memoryGiB} GiB  ${diskText}`,
    );
  }
  if (shown.length < nodes.length) lines.push(`  ... and ${nodes.length - shown.length} more (--verbose lists every node)`);
  const unencrypted = disks.filter((d) => !d.cmk);
  lines.push(
    `Disks: ${disks.length}, under the customer-managed key: ${disks.length - unencrypted.length}${unencrypted.length ? `; WITHOUT: ${unencrypted.map((d) => `${d.resource} (${d.what})`).join(", ")}` : ""}`,
  );
  const pub = publicEndpoints(plan);
  lines.push(`Public endpoints: ${pub.length === 0 ? "none" : pub.map((r) => `${r.name} (${r.type})`).join(", ")}`);
  const bastion = plan.outputs.bastion as { publicIp?: unknown; sshUser?: unknown } | undefined;
  if (bastion) {
    const host =
      typeof bastion.publicIp === "string" && bastion.publicIp !== "" && bastion.publicIp !== UNKNOWN ? bastion.publicIp : undefined;
    const user = String(bastion.sshUser);
    lines.push(`Bastion: ${host ?? "(unknown until deploy)"}; reach a node with ssh -J ${user}@${host ?? "<bastion>"} ${user}@<node host>`);
  }
  return lines.join("\n");
}

/**
 * Machine classes: which instance type gives a node its vCPUs and memory on
 * each cloud. Pure: no Pulumi imports.
 *
 * The chosen type's vCPU count is what the scheduler is told as CPU slots, so
 * these figures are the providers' published sizes (AWS "Instance types",
 * Google Cloud "Machine families resource guide", Azure "Sizes for virtual
 * machines"). Prices are on-demand Linux list prices per hour in us-east-1 /
 * us-central1 / eastus and only order the candidates; they never reach the
 * cloud.
 */
import { InstanceType as AwsInstanceType } from "@pulumi/aws/types/enums/ec2";
import type { Cloud } from "./clouds";
import { closest } from "./suggest";

export interface MachineType {
  readonly cloud: Cloud;
  readonly name: string;
  readonly family: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Approximate on-demand USD per hour; used only to rank candidates. Unknown (NaN) for an uncatalogued type. */
  readonly hourlyUsd: number;
  /**
   * True for an explicit type outside the catalog: its size is what the
   * stack states in `vcpus` / `memoryGiB`, not a published figure.
   */
  readonly uncatalogued?: true;
}

type Row = readonly [name: string, vcpus: number, memoryGiB: number, hourlyUsd: number];

function table(cloud: Cloud, family: string, rows: readonly Row[]): MachineType[] {
  return rows.map(([name, vcpus, memoryGiB, hourlyUsd]) => ({ cloud, name, family, vcpus, memoryGiB, hourlyUsd }));
}

export const AWS_TYPES: readonly MachineType[] = [
  ...table("aws", "c7i", [
    ["c7i.large", 2, 4, 0.0893],
    ["c7i.xlarge", 4, 8, 0.1785],
    ["c7i.2xlarge", 8, 16, 0.357],
    ["c7i.4xlarge", 16, 32, 0.714],
    ["c7i.8xlarge", 32, 64, 1.428],
    ["c7i.12xlarge", 48, 96, 2.142],
    ["c7i.16xlarge", 64, 128, 2.856],
  ]),
  ...table("aws", "m7i", [
    ["m7i.large", 2, 8, 0.1008],
    ["m7i.xlarge", 4, 16, 0.2016],
    ["m7i.2xlarge", 8, 32, 0.4032],
    ["m7i.4xlarge", 16, 64, 0.8064],
    ["m7i.8xlarge", 32, 128, 1.6128],
    ["m7i.12xlarge", 48, 192, 2.4192],
    ["m7i.16xlarge", 64, 256, 3.2256],
  ]),
  ...table("aws", "r7i", [
    ["r7i.large", 2, 16, 0.1323],
    ["r7i.xlarge", 4, 32, 0.2646],
    ["r7i.2xlarge", 8, 64, 0.5292],
    ["r7i.4xlarge", 16, 128, 1.0584],
    ["r7i.8xlarge", 32, 256, 2.1168],
  ]),
];

export const GCP_TYPES: readonly MachineType[] = [
  ...table("gcp", "n2-highcpu", [
    ["n2-highcpu-2", 2, 2, 0.0717],
    ["n2-highcpu-4", 4, 4, 0.1434],
    ["n2-highcpu-8", 8, 8, 0.2868],
    ["n2-highcpu-16", 16, 16, 0.5736],
    ["n2-highcpu-32", 32, 32, 1.1471],
    ["n2-highcpu-48", 48, 48, 1.7207],
    ["n2-highcpu-64", 64, 64, 2.2942],
  ]),
  ...table("gcp", "c3-highcpu", [
    ["c3-highcpu-4", 4, 8, 0.1709],
    ["c3-highcpu-8", 8, 16, 0.3419],
    ["c3-highcpu-22", 22, 44, 0.9402],
    ["c3-highcpu-44", 44, 88, 1.8804],
  ]),
  ...table("gcp", "n2-standard", [
    ["n2-standard-2", 2, 8, 0.0971],
    ["n2-standard-4", 4, 16, 0.1942],
    ["n2-standard-8", 8, 32, 0.3885],
    ["n2-standard-16", 16, 64, 0.7769],
    ["n2-standard-32", 32, 128, 1.5539],
    ["n2-standard-48", 48, 192, 2.3308],
    ["n2-standard-64", 64, 256, 3.1078],
  ]),
  ...table("gcp", "n2-highmem", [
    ["n2-highmem-2", 2, 16, 0.131],
    ["n2-highmem-4", 4, 32, 0.262],
    ["n2-highmem-8", 8, 64, 0.5241],
    ["n2-highmem-16", 16, 128, 1.0481],
  ]),
];

export const AZURE_TYPES: readonly MachineType[] = [
  ...table("azure", "Fsv2", [
    ["Standard_F2s_v2", 2, 4, 0.0846],
    ["Standard_F4s_v2", 4, 8, 0.169],
    ["Standard_F8s_v2", 8, 16, 0.338],
    ["Standard_F16s_v2", 16, 32, 0.677],
    ["Standard_F32s_v2", 32, 64, 1.353],
    ["Standard_F48s_v2", 48, 96, 2.03],
    ["Standard_F64s_v2", 64, 128, 2.706],
    ["Standard_F72s_v2", 72, 144, 3.045],
  ]),
  ...table("azure", "Dsv5", [
    ["Standard_D2s_v5", 2, 8, 0.096],
    ["Standard_D4s_v5", 4, 16, 0.192],
    ["Standard_D8s_v5", 8, 32, 0.384],
    ["Standard_D16s_v5", 16, 64, 0.768],
    ["Standard_D32s_v5", 32, 128, 1.536],
    ["Standard_D48s_v5", 48, 192, 2.304],
    ["Standard_D64s_v5", 64, 256, 3.072],
  ]),
  ...table("azure", "Esv5", [
    ["Standard_E2s_v5", 2, 16, 0.126],
    ["Standard_E4s_v5", 4, 32, 0.252],
    ["Standard_E8s_v5", 8, 64, 0.504],
    ["Standard_E16s_v5", 16, 128, 1.008],
  ]),
];

/**
 * GCP custom machine types (N2), by Compute Engine's rules
 * (https://cloud.google.com/compute/docs/general-purpose-machines#custom_machine_types,
 * and the limits Google's own sample enforces,
 * https://cloud.google.com/compute/docs/samples/compute-custom-machine-type-helper-class):
 * - vCPUs: 2 to 32 in steps of 2, then 36 to 128 in steps of 4 (34 or 38 are
 *   refused); N2 has no 1-vCPU custom type.
 * - memory: a multiple of 256 MiB, at least 0.5 GiB per vCPU.
 * - up to 8 GiB per vCPU the name is `n2-custom-<vcpus>-<MiB>`; above that
 *   is extended memory, named `n2-custom-<vcpus>-<MiB>-ext`, and the part
 *   above 8 GiB per vCPU is billed at the extended rate.
 * - at most 624 GiB in all (the sample's limit for N2, extended or not).
 * Priced per vCPU and per GiB, a little above the predefined types, so a
 * predefined type wins a tie.
 */
const GCP_CUSTOM = {
  family: "n2-custom",
  perVcpu: 0.033174,
  perGiB: 0.004446,
  perExtendedGiB: 0.00955,
  minPerVcpu: 0.5,
  maxPerVcpu: 8,
  maxGiB: 624,
} as const;

/** Whether N2 custom types take this many vCPUs. */
export function isGcpCustomVcpuCount(vcpus: number): boolean {
  if (!Number.isInteger(vcpus)) return false;
  if (vcpus >= 2 && vcpus <= 32) return vcpus % 2 === 0;
  return vcpus >= 36 && vcpus <= 128 && vcpus % 4 === 0;
}

/**
 * Why Compute Engine refuses an `n2-custom-…` name, by the rules above;
 * undefined for a valid one, and for names of other families.
 */
export function gcpCustomNameProblem(name: string): string | undefined {
  const m = /^n2-custom-(\d+)-(\d+)(-ext)?$/.exec(name);
  if (!m)
    return /^n2-custom-/.test(name) ? "is not an N2 custom type name: n2-custom-<vCPUs>-<MiB>, with -ext for extended memory" : undefined;
  const [vcpus, mib, ext] = [Number(m[1]), Number(m[2]), m[3] !== undefined];
  if (!isGcpCustomVcpuCount(vcpus)) return `has ${vcpus} vCPUs; N2 custom types take 2-32 in steps of 2, or 36-128 in steps of 4`;
  if (mib % 256 !== 0) return `has ${mib} MiB; N2 custom memory comes in steps of 256 MiB`;
  if (mib < vcpus * GCP_CUSTOM.minPerVcpu * 1024) return `has ${mib} MiB; N2 custom types need at least 0.5 GiB per vCPU`;
  if (mib > GCP_CUSTOM.maxGiB * 1024) return `has ${mib} MiB; N2 custom types have at most ${GCP_CUSTOM.maxGiB} GiB`;
  const extended = mib > vcpus * GCP_CUSTOM.maxPerVcpu * 1024;
  if (extended && !ext) return "has more than 8 GiB per vCPU, which N2 names as extended memory: add -ext";
  if (!extended && ext) return "has no more than 8 GiB per vCPU, so no extended memory: drop -ext";
  return undefined;
}

function gcpCustom(vcpus: number, memoryGiB: number): MachineType | undefined {
  if (!isGcpCustomVcpuCount(vcpus)) return undefined;
  // 256 MiB steps, and never below the family's minimum per vCPU.
  const memory = Math.max(Math.ceil(memoryGiB * 4) / 4, vcpus * GCP_CUSTOM.minPerVcpu);
  const standard = vcpus * GCP_CUSTOM.maxPerVcpu;
  const extended = Math.max(0, memory - standard);
  if (memory > GCP_CUSTOM.maxGiB) return undefined;
  return {
    cloud: "gcp",
    name: `n2-custom-${vcpus}-${Math.round(memory * 1024)}${extended > 0 ? "-ext" : ""}`,
    family: GCP_CUSTOM.family,
    vcpus,
    memoryGiB: memory,
    hourlyUsd: Number(
      (vcpus * GCP_CUSTOM.perVcpu + (memory - extended) * GCP_CUSTOM.perGiB + extended * GCP_CUSTOM.perExtendedGiB).toFixed(4),
    ),
  };
}

/** Small, fixed types for the bastion: it only forwards SSH. */
export const BASTION_TYPES: Readonly<Record<Cloud, string>> = {
  aws: "t3.micro",
  gcp: "e2-micro",
  azure: "Standard_B1s",
};

export function catalog(cloud: Cloud): readonly MachineType[] {
  switch (cloud) {
    case "aws":
      return AWS_TYPES;
    case "gcp":
      return GCP_TYPES;
    case "azure":
      return AZURE_TYPES;
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}

/** Every candidate with exactly `vcpus` vCPUs and at least `memoryGiB`, cheapest first. */
export function candidates(cloud: Cloud, vcpus: number, memoryGiB: number): MachineType[] {
  const fixed = catalog(cloud).filter((t) => t.vcpus === vcpus && t.memoryGiB >= memoryGiB);
  const custom = cloud === "gcp" ? gcpCustom(vcpus, memoryGiB) : undefined;
  const all = custom ? [...fixed, custom] : fixed;
  return all.sort((a, b) => a.hourlyUsd - b.hourlyUsd || a.memoryGiB - b.memoryGiB || a.name.localeCompare(b.name));
}

/** The cheapest type with exactly `vcpus` vCPUs and at least `memoryGiB`; undefined when none fits. */
export function chooseMachineType(cloud: Cloud, vcpus: number, memoryGiB: number): MachineType | undefined {
  return candidates(cloud, vcpus, memoryGiB)[0];
}

/** Looks up a type by name, including GCP `n2-custom-<vcpus>-<MiB>` names. */
export function lookupMachineType(cloud: Cloud, name: string): MachineType | undefined {
  const known = catalog(cloud).find((t) => t.name === name);
  if (known) return known;
  if (cloud === "gcp") {
    // Only the canonical name of a valid size: a vCPU count N2 refuses, a
    // memory size off the 256 MiB grid, or a missing or needless `-ext` all
    // come back as a different name (or none).
    const m = /^n2-custom-(\d+)-(\d+)(-ext)?$/.exec(name);
    if (m) {
      const t = gcpCustom(Number(m[1]), Number(m[2]) / 1024);
      return t && t.name === name ? t : undefined;
    }
  }
  return undefined;
}

/** What {@link uncataloguedMachineType} decided: the type, sized from the stack, or why not. */
export type UncataloguedResult =
  | { readonly type: MachineType }
  /** `name`: not a type of the cloud; `size`: its name states another size than the stack. */
  | { readonly problem: string; readonly kind: "name" | "size" };

const AWS_INSTANCE_TYPES: readonly string[] = Object.values(AwsInstanceType);

/**
 * The vCPU count a type's name states, where the cloud's naming makes it
 * certain; undefined where it does not (shared-core, bare metal, constrained
 * cores, older Azure series whose numbers are not vCPUs).
 *
 * - AWS `<family>.<size>`: `medium` 1, `large` 2, `xlarge` 4, `<n>xlarge`
 *   4n, except the `hpc` families, which run one thread per core.
 * - GCP `<series>-<class>-<n>` for standard/highcpu/highmem/ultramem/megamem/
 *   hypermem, and `<series>-custom-<n>-<MiB>`: n vCPUs.
 * - Azure `Standard_<family><n><features>_v<3+>` without a `-` (a `-`
 *   marks constrained vCPUs): n vCPUs.
 */
export function vcpusFromName(cloud: Cloud, name: string): number | undefined {
  switch (cloud) {
    case "aws": {
      const m = /^([a-z0-9-]+)\.(medium|large|xlarge|(\d+)xlarge)$/.exec(name);
      if (!m || m[1].startsWith("hpc")) return undefined;
      return m[2] === "medium" ? 1 : m[2] === "large" ? 2 : m[2] === "xlarge" ? 4 : 4 * Number(m[3]);
    }
    case "gcp": {
      const m =
        /^[a-z0-9]+-(?:standard|highcpu|highmem|ultramem|megamem|hypermem)-(\d+)(?:-lssd)?$/.exec(name) ??
        /^[a-z0-9]+-custom-(\d+)-\d+(?:-ext)?$/.exec(name);
      return m ? Number(m[1]) : undefined;
    }
    case "azure": {
      const m = /^Standard_[A-Z]+(\d+)[a-z]*(?:_[A-Za-z0-9]+)*_v([3-9]|\d{2,})$/.exec(name);
      return m && !name.includes("-") ? Number(m[1]) : undefined;
    }
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}

/** Memory a GCP custom type's name states (`<series>-custom-<n>-<MiB>`), in GiB. */
function memoryFromName(cloud: Cloud, name: string): number | undefined {
  if (cloud !== "gcp") return undefined;
  const m = /^[a-z0-9]+-custom-\d+-(\d+)(?:-ext)?$/.exec(name);
  return m ? Number(m[1]) / 1024 : undefined;
}

/** The shape of a type name on each cloud, for a clear message on a pasted wrong value. */
function nameProblem(cloud: Cloud, name: string): string | undefined {
  switch (cloud) {
    case "aws": {
      if (AWS_INSTANCE_TYPES.includes(name)) return undefined;
      const near = closest(name, AWS_INSTANCE_TYPES);
      return `is not an EC2 instance type (the InstanceType list of @pulumi/aws)${near ? `; did you mean ${near}?` : ""}`;
    }
    case "gcp":
      // N2 custom sizes follow rules we know (gcpCustomNameProblem); anything else is taken on its name.
      return /^[a-z][a-z0-9]*-[a-z0-9-]+$/.test(name)
        ? gcpCustomNameProblem(name)
        : "is not a Compute Engine machine type name such as n2-standard-8";
    case "azure":
      return /^(Standard|Basic)_[A-Za-z0-9_-]+$/.test(name) ? undefined : "is not an Azure VM size name such as Standard_D8s_v5";
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}

/**
 * An explicit type the catalog does not list (`m5.2xlarge`): accepted with
 * the size the stack states in `vcpus` / `memoryGiB`, since that is what the
 * scheduler is told. Refused when the name is not a type of the cloud, or
 * when its name states a different vCPU count (or, for GCP custom types,
 * less memory) than the stack does.
 */
export function uncataloguedMachineType(cloud: Cloud, name: string, vcpus: number, memoryGiB: number): UncataloguedResult {
  const problem = nameProblem(cloud, name);
  if (problem) return { problem, kind: "name" };
  const named = vcpusFromName(cloud, name);
  if (named !== undefined && named !== vcpus) return { problem: `has ${named} vCPUs by its name, not ${vcpus}`, kind: "size" };
  const memory = memoryFromName(cloud, name);
  if (memory !== undefined && memory < memoryGiB) return { problem: `has ${memory} GiB by its name, less than ${memoryGiB}`, kind: "size" };
  return {
    type: { cloud, name, family: "uncatalogued", vcpus, memoryGiB: memory ?? memoryGiB, hourlyUsd: Number.NaN, uncatalogued: true },
  };
}

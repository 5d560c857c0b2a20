import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../policies/lib/settings";
import { TAG_LIMITS } from "../../infra/cloud-limits";
import { CONFIG_KEYS, parseSpec, PROOF_GATED_TAG, SpecError, specWarnings, STATE_DIR } from "../../infra/spec";
import { poolConfig, rawConfig, TEST_REF } from "../helpers/configs";
import { specProblems as problems } from "../helpers/spec-problems";

describe("parseSpec: valid configs", () => {
  it("applies the documented defaults", () => {
    const spec = parseSpec(rawConfig("aws"));
    expect(spec).toMatchObject({
      name: "logos",
      cloud: "aws",
      region: "us-east-1",
      zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
      nodes: { core: 1, burstMax: 1, standby: 0 },
      machine: { vcpus: 8, memoryGiB: 16, explicit: false },
      disks: { bootGiB: 30, stateGiB: 50 },
      stateDir: STATE_DIR,
      access: { sshUser: "logos", operatorCidrs: ["203.0.113.0/24"] },
      validation: {
        enabled: true,
        timeouts: { firstBoot: 1800, lock: 900, lem: 900, boot: 900, footprint: 300, archive: 300 },
        strictFootprint: true,
        footprintTheorem: "pxl_excluded_middle",
        allowedAxioms: [],
      },
      archive: { lockMode: "governance", retentionDays: 365, lockRetention: false },
    });
    expect(spec.machine.type.name).toBe("c7i.2xlarge");
    expect(spec.tags[PROOF_GATED_TAG]).toBe("true");
    expect(spec.image).toMatch(/ubuntu\/server\/24\.04/);
  });

  it("derives zones per cloud", () => {
    expect(parseSpec(rawConfig("gcp")).zones).toEqual(["us-central1-a", "us-central1-b", "us-central1-c"]);
    expect(parseSpec(rawConfig("azure")).zones).toEqual(["1", "2", "3"]);
  });

  it("accepts Pulumi's string form of every type (runtime config is strings)", () => {
    const spec = parseSpec(
      rawConfig("aws", {
        coreNodes: "3",
        burstMax: "6",
        standbyNodes: "1",
        validate: "false",
        operatorCidrs: '["198.51.100.0/24","203.0.113.7/32"]',
        tags: '["team=proofs"]',
      }),
    );
    expect(spec.nodes).toEqual({ core: 3, burstMax: 6, standby: 1 });
    expect(spec.validation.enabled).toBe(false);
    expect(spec.access.operatorCidrs).toEqual(["198.51.100.0/24", "203.0.113.7/32"]);
    expect(spec.tags).toMatchObject({ team: "proofs", [PROOF_GATED_TAG]: "true" });
  });

  it("derives non-overlapping subnets from the network", () => {
    const spec = parseSpec(poolConfig("aws"));
    expect(spec.network).toEqual({
      cidr: "10.40.0.0/16",
      nodeSubnets: ["10.40.0.0/20", "10.40.32.0/20", "10.40.64.0/20"],
      burstSubnets: ["10.40.16.0/20", "10.40.48.0/20", "10.40.80.0/20"],
      edgeSubnet: "10.40.192.0/20",
      reservedSubnet: "10.40.208.0/20",
    });
  });

  it("takes an explicit type that meets the class", () => {
    const spec = parseSpec(rawConfig("azure", { machineType: "Standard_D8s_v5" }));
    expect(spec.machine).toMatchObject({ explicit: true, type: { name: "Standard_D8s_v5", vcpus: 8, memoryGiB: 32 } });
  });
});

describe("parseSpec: every problem at once, each naming its key", () => {
  it("reports all required keys together", () => {
    expect(problems({})).toEqual([
      "logos-compute:cloud is required: one of aws, gcp, azure (set it with `pulumi config set logos-compute:cloud ...` or in the stack file)",
      "logos-compute:repoUrl is required: the git URL of the workload repository (set it with `pulumi config set logos-compute:repoUrl ...` or in the stack file)",
      "logos-compute:repoRef is required: a full 40-hex commit SHA (set it with `pulumi config set logos-compute:repoRef ...` or in the stack file)",
      'logos-compute:operatorCidrs is required: the IPv4 CIDRs of your VPN or office, e.g. ["203.0.113.0/24"] (set it with `pulumi config set logos-compute:operatorCidrs ...` or in the stack file)',
      "logos-compute:sshPublicKey is required: an OpenSSH public key line such as `ssh-ed25519 AAAA... you@host` (set it with `pulumi config set logos-compute:sshPublicKey ...` or in the stack file)",
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["unknown cloud", { cloud: "oci" }, 'logos-compute:cloud ("oci") must be one of aws, gcp, azure'],
    [
      "burst below core",
      { coreNodes: 3, burstMax: 2 },
      "logos-compute:burstMax (2) must be >= logos-compute:coreNodes (3), or 0 for no burst capacity",
    ],
    ["zero core", { coreNodes: 0 }, "logos-compute:coreNodes (0) must be >= 1"],
    ["standby 2", { coreNodes: 1, burstMax: 3, standbyNodes: 2 }, "logos-compute:standbyNodes (2) must be 0 or 1"],
    [
      "standby without burst",
      { coreNodes: 2, standbyNodes: 1 },
      "logos-compute:standbyNodes (1) needs burst capacity to sit in: set logos-compute:burstMax (2) above logos-compute:coreNodes (2)",
    ],
    [
      "explicit type below the class (the plan's c7i.xlarge)",
      { machineType: "c7i.xlarge" },
      "logos-compute:machineType c7i.xlarge (4 vCPU / 8 GiB) does not meet logos-compute:vcpus 8 exactly and logos-compute:memoryGiB >= 16; use c7i.2xlarge or leave it empty",
    ],
    [
      "unknown explicit type",
      { machineType: "c9z.huge" },
      'logos-compute:machineType ("c9z.huge") is not an EC2 instance type (the InstanceType list of @pulumi/aws); c7i.2xlarge (8 vCPU / 16 GiB) fits 8 vCPU / 16 GiB, or leave it empty to choose automatically',
    ],
    [
      "branch as ref",
      { repoRef: "main" },
      'logos-compute:repoRef ("main") must be a full 40-character lowercase hex commit SHA; branch and tag names are refused because they move',
    ],
    ["short agent hash", { agentHash: "abc" }, 'logos-compute:agentHash ("abc") must be 64 lowercase hex characters (a SHA-256)'],
    [
      "world-open operator range",
      { operatorCidrs: ["0.0.0.0/0"] },
      'logos-compute:operatorCidrs[0] ("0.0.0.0/0") opens the bastion to the whole internet; list your VPN or office ranges instead',
    ],
    [
      "IPv6 world range",
      { operatorCidrs: ["203.0.113.0/24", "::/0"] },
      'logos-compute:operatorCidrs[1] ("::/0") opens the bastion to the whole internet; list your VPN or office ranges instead',
    ],
    [
      "region differing from the provider's",
      { region: "us-west-2" },
      "logos-compute:region (us-west-2) differs from aws:region (us-east-1): leave logos-compute:region empty or set both to the same region",
    ],
    ["network too wide", { networkCidr: "10.0.0.0/8" }, "logos-compute:networkCidr (10.0.0.0/8) must be between /16 and /24"],
    ["network too narrow", { networkCidr: "10.0.0.0/25" }, "logos-compute:networkCidr (10.0.0.0/25) must be between /16 and /24"],
    ["host bits", { networkCidr: "10.40.0.1/16" }, "logos-compute:networkCidr (10.40.0.1/16) has host bits set; use 10.40.0.0/16"],
    [
      "upper-case label",
      { tags: ["Team=proofs"] },
      'logos-compute:tags[0] ("Team=proofs"): key must start with a lowercase letter and use only [a-z0-9_-], at most 63 characters (GCP label rules)',
    ],
    [
      "label value too long",
      { tags: [`team=${"x".repeat(64)}`] },
      `logos-compute:tags[0] ("team=${"x".repeat(64)}"): value must use only [a-z0-9_-], at most 63 characters (GCP label rules)`,
    ],
    [
      "proof tag overridden",
      { tags: ["logos-proof-gated=false"] },
      'logos-compute:tags[0] ("logos-proof-gated=false"): logos-proof-gated is set by the pool to "true" and cannot be changed',
    ],
    [
      "zone outside region",
      { zones: ["us-west-2a"] },
      'logos-compute:zones[0] ("us-west-2a") must be a zone of us-east-1 such as us-east-1a',
    ],
    [
      "private key pasted as public key",
      { sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" },
      "logos-compute:sshPublicKey must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-*), not a private key or a file path",
    ],
    [
      "root as user",
      { sshUser: "root" },
      'logos-compute:sshUser ("root") must be a lowercase Linux user name (not root, admin, administrator or ubuntu)',
    ],
    [
      "too many nodes for a /24",
      { networkCidr: "10.40.0.0/24", coreNodes: 40, burstMax: 40 },
      "logos-compute:networkCidr (10.40.0.0/24) holds 10 core nodes per zone but logos-compute:coreNodes (40) needs 14 in each of 3 zones; use a wider network (smaller prefix) or more zones",
    ],
    [
      "footprint theorem that is no Coq name",
      { footprintTheorem: "pxl excluded middle" },
      'logos-compute:footprintTheorem ("pxl excluded middle") must be a Coq name such as pxl_excluded_middle or PXL_Internal_LEM.pxl_excluded_middle',
    ],
    [
      "allowed axiom not fully qualified",
      { allowedAxioms: ["PXL.PXLv3.ax_refl", "trinitarian_decidability"] },
      'logos-compute:allowedAxioms[1] ("trinitarian_decidability") must be a fully qualified Coq name such as PXL.PXLv3.ax_name, as a failed validation lists them',
    ],
    [
      "trusted signer that is a bare key",
      { trustedSigners: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYTGUdmiYKXH"] },
      'logos-compute:trustedSigners[0] ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYTGUdmiYKXH") must be an SSH allowed-signers line such as "release@example.org ssh-ed25519 AAAA..." or an armored OpenPGP public key',
    ],
    [
      "coq version that is no package version",
      { coqVersion: "latest" },
      'logos-compute:coqVersion ("latest") must be a coq package version such as 8.18.0+dfsg-1build2, or empty',
    ],
    ["non-integer", { vcpus: 7.5 }, "logos-compute:vcpus must be a whole number, got 7.5"],
    [
      "no fitting type",
      { vcpus: 6, memoryGiB: 16 },
      "no aws machine type has exactly 6 vCPUs and >= 16 GiB: change logos-compute:vcpus or logos-compute:memoryGiB",
    ],
  ])("%s", (_, overrides, message) => {
    expect(problems(rawConfig("aws", overrides))).toEqual([message]);
  });

  it("collects several problems in one error", () => {
    const err = (() => {
      try {
        parseSpec(rawConfig("aws", { coreNodes: 3, burstMax: 2, repoRef: "HEAD" }));
      } catch (e) {
        return e as SpecError;
      }
      throw new Error("expected a SpecError");
    })();
    expect(err.problems).toHaveLength(2);
    expect(err.message).toBe(
      "invalid pool config (2 problems):\n" +
        "  - logos-compute:burstMax (2) must be >= logos-compute:coreNodes (3), or 0 for no burst capacity\n" +
        '  - logos-compute:repoRef ("HEAD") must be a full 40-character lowercase hex commit SHA; branch and tag names are refused because they move',
    );
  });

  it("needs the provider region and the GCP project", () => {
    const raw = { ...rawConfig("gcp") } as Record<string, unknown>;
    delete raw["gcp:region"];
    delete raw["gcp:project"];
    expect(problems(raw)).toEqual([
      "logos-compute:region is required: set gcp:region (or logos-compute:region) to the gcp region",
      "gcp:project is required on gcp: set it to the Google Cloud project id (pulumi config set gcp:project <id>)",
    ]);
  });

  it("keeps the ref it was given", () => {
    expect(parseSpec(rawConfig("aws")).repo.ref).toBe(TEST_REF);
  });

  it("documents every key with a description", () => {
    for (const [name, decl] of Object.entries(CONFIG_KEYS)) {
      expect(decl.description.length, name).toBeGreaterThan(10);
    }
  });
});

describe("parseSpec: burst capacity per subnet", () => {
  it("on gcp and azure all burst nodes share one subnet", () => {
    expect(problems(rawConfig("gcp", { networkCidr: "10.40.0.0/24", coreNodes: 1, burstMax: 13 }))).toEqual([
      "logos-compute:networkCidr (10.40.0.0/24) holds 10 burst nodes per subnet but logos-compute:burstMax - logos-compute:coreNodes needs 12 in one subnet on gcp; use a wider network",
    ]);
    expect(problems(rawConfig("azure", { networkCidr: "10.40.0.0/24", coreNodes: 1, burstMax: 13 }))).toEqual([
      "logos-compute:networkCidr (10.40.0.0/24) holds 10 burst nodes per subnet but logos-compute:burstMax - logos-compute:coreNodes needs 12 in one subnet on azure; use a wider network",
    ]);
    expect(problems(rawConfig("aws", { networkCidr: "10.40.0.0/24", coreNodes: 1, burstMax: 13 }))).toEqual([]);
  });
});

describe("parseSpec: nothing typed is silently ignored", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "a typo of a project key",
      { coreNode: 3 },
      "logos-compute:coreNode is not a setting of this program (see Pulumi.yaml or the README's config reference); did you mean logos-compute:coreNodes?",
    ],
    [
      "a key in other letter case",
      { corenodes: 3 },
      "logos-compute:corenodes is not a setting of this program (see Pulumi.yaml or the README's config reference); did you mean logos-compute:coreNodes?",
    ],
    [
      "an unknown project key",
      { foo: "bar" },
      "logos-compute:foo is not a setting of this program (see Pulumi.yaml or the README's config reference)",
    ],
    [
      "a typo of a provider key",
      { "aws:regoin": "us-east-1" },
      "aws:regoin is not a setting of the aws provider; did you mean aws:region?",
    ],
    [
      "a typo of the project namespace",
      { "logos-compte:coreNodes": 3 },
      'logos-compte:coreNodes: nothing in this program reads the namespace "logos-compte"; did you mean logos-compute:coreNodes?',
    ],
  ])("%s", (_, overrides, message) => {
    expect(problems(rawConfig("aws", overrides))).toEqual([message]);
  });

  it("points Azure's classic namespace at azure-native", () => {
    expect(problems(rawConfig("azure", { "azure:location": "eastus" }))).toEqual([
      'azure:location: nothing in this program reads the namespace "azure"; did you mean azure-native:location?',
    ]);
  });

  it("knows every key of CONFIG_KEYS and every setting of the providers, and leaves other namespaces alone", () => {
    const everyKey = Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, d]) => [k, "default" in d ? d.default : undefined]));
    const raw = rawConfig("gcp", {
      ...Object.fromEntries(Object.entries(everyKey).filter(([, v]) => v !== undefined)),
      "gcp:zone": "us-central1-a",
      "gcp:credentials": "[secret]",
      "aws:profile": "other",
      "azure-native:subscriptionId": "00000000-0000-0000-0000-000000000000",
      "pulumi:tags": { team: "proofs" },
      "tls:whatever": "x",
    });
    expect(problems(raw)).toEqual([]);
  });

  it("lists unknown keys together with every other problem", () => {
    expect(problems(rawConfig("aws", { coreNode: 3, repoRef: "main" }))).toEqual([
      "logos-compute:coreNode is not a setting of this program (see Pulumi.yaml or the README's config reference); did you mean logos-compute:coreNodes?",
      'logos-compute:repoRef ("main") must be a full 40-character lowercase hex commit SHA; branch and tag names are refused because they move',
    ]);
  });
});

describe("parseSpec: limits the clouds enforce", () => {
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `t${i}=v`);

  it.each([
    ["aws", 45, "tags"],
    ["gcp", 58, "labels"],
    ["azure", 46, "tags"],
  ] as const)("%s takes %i user tags and refuses one more", (cloud, most, word) => {
    const limits = TAG_LIMITS[cloud];
    expect(most).toBe(limits.maxPerResource - limits.reserved);
    expect(problems(rawConfig(cloud, { tags: tags(most) }))).toEqual([]);
    expect(problems(rawConfig(cloud, { tags: tags(most + 1) }))).toEqual([
      `logos-compute:tags holds ${most + 1} entries but ${cloud} allows ${limits.maxPerResource} ${word} per resource and the pool adds up to ${limits.reserved} of its own: list at most ${most}`,
    ]);
  });

  it("counts the provider's default tags against the limit", () => {
    expect(problems(rawConfig("aws", { tags: tags(42), "aws:defaultTags": { tags: { a: "1", b: "2", c: "3", d: "4", e: "5" } } }))).toEqual(
      [
        "logos-compute:tags holds 42 entries but aws allows 50 tags per resource and the pool adds up to 5 of its own, aws:defaultTags 5 more: list at most 40",
      ],
    );
    expect(problems(rawConfig("gcp", { tags: tags(57), "gcp:defaultLabels": '{"a":"1","b":"2","c":"3"}' }))).toEqual([
      "logos-compute:tags holds 57 entries but gcp allows 64 labels per resource and the pool adds up to 6 of its own, gcp:defaultLabels 3 more: list at most 55",
    ]);
  });

  it.each(["8.8.0.0/16", "100.64.0.0/16", "172.32.0.0/16", "192.169.0.0/24"])("refuses the non-private network %s", (cidr) => {
    expect(problems(rawConfig("aws", { networkCidr: cidr }))).toEqual([
      `logos-compute:networkCidr (${cidr}) is not private address space: use a range inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918), such as 10.40.0.0/16`,
    ]);
  });

  it.each(["10.200.0.0/16", "172.31.0.0/16", "192.168.10.0/24"])("takes the private network %s", (cidr) => {
    expect(parseSpec(rawConfig("aws", { networkCidr: cidr })).network.cidr).toBe(cidr);
  });

  it("bounds operatorCidrs by the prefix the policy pack enforces", () => {
    expect(DEFAULT_SETTINGS.minSourcePrefixLength).toBe(16);
    expect(problems(rawConfig("aws", { operatorCidrs: ["198.18.0.0/15"] }))).toEqual([
      'logos-compute:operatorCidrs[0] ("198.18.0.0/15") is wider than /16; list your VPN or office ranges, each /16 or narrower',
    ]);
    expect(problems(rawConfig("aws", { operatorCidrs: ["198.18.0.0/16"] }))).toEqual([]);
  });
});

describe("parseSpec: region names", () => {
  it.each<[string, "aws" | "gcp" | "azure", Record<string, unknown>, string]>([
    [
      "AWS, from the provider's Region enum",
      "aws",
      { "aws:region": "us-east-9" },
      "aws:region (us-east-9) is not an AWS region (the Region enum of @pulumi/aws); did you mean us-east-1? If the region is newer than this list, set logos-compute:allowUnlistedRegion: true and aws:skipRegionValidation: true",
    ],
    [
      "GCP, from the documented list",
      "gcp",
      { "gcp:region": "us-centrl1" },
      "gcp:region (us-centrl1) is not a GCP region (the GCP regions in infra/regions.ts); did you mean us-central1? If the region is newer than this list, set logos-compute:allowUnlistedRegion: true",
    ],
    [
      "Azure, named by logos-compute:region",
      "azure",
      { region: "esatus", "azure-native:location": undefined },
      "logos-compute:region (esatus) is not an Azure region (the Azure regions in infra/regions.ts); did you mean eastus? If the region is newer than this list, set logos-compute:allowUnlistedRegion: true",
    ],
  ])("%s", (_, cloud, overrides, message) => {
    const raw = { ...rawConfig(cloud, overrides) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(raw)) if (v === undefined) delete raw[k];
    expect(problems(raw)).toEqual([message]);
  });

  it("accepts an unlisted region when told to", () => {
    expect(parseSpec(rawConfig("gcp", { "gcp:region": "mars-north1", allowUnlistedRegion: true })).zones).toEqual([
      "mars-north1-a",
      "mars-north1-b",
      "mars-north1-c",
    ]);
  });

  it("spreads GCP nodes over zones that exist: us-east1 has no -a zone", () => {
    expect(parseSpec(rawConfig("gcp", { "gcp:region": "us-east1" })).zones).toEqual(["us-east1-b", "us-east1-c", "us-east1-d"]);
  });
});

describe("parseSpec: machine types outside the catalog", () => {
  it("takes one the stack states the size of, and warns", () => {
    const spec = parseSpec(rawConfig("aws", { machineType: "m5.2xlarge", vcpus: 8, memoryGiB: 32 }));
    expect(spec.machine).toMatchObject({ explicit: true, vcpus: 8, memoryGiB: 32, type: { name: "m5.2xlarge", vcpus: 8, memoryGiB: 32 } });
    expect(specWarnings(spec)).toContain(
      "logos-compute:machineType m5.2xlarge is not in the machine catalog: its size is taken from logos-compute:vcpus (8) and logos-compute:memoryGiB (32), and the scheduler is told 8 CPU slots per node; check both against the cloud's published size",
    );
  });

  it.each<["aws" | "gcp" | "azure", string, number, number]>([
    ["gcp", "e2-standard-8", 8, 32],
    ["gcp", "e2-custom-8-20480", 8, 16],
    ["azure", "Standard_D8as_v5", 8, 32],
    ["azure", "Standard_E8-4s_v5", 4, 64],
    ["aws", "mac2.metal", 12, 16],
  ])("%s %s", (cloud, machineType, vcpus, memoryGiB) => {
    expect(parseSpec(rawConfig(cloud, { machineType, vcpus, memoryGiB })).machine.type).toMatchObject({ name: machineType, vcpus });
  });

  it.each<["aws" | "gcp" | "azure", string, number, number, string]>([
    [
      "aws",
      "m5.4xlarge",
      8,
      16,
      "logos-compute:machineType m5.4xlarge has 16 vCPUs by its name, not 8 (logos-compute:vcpus 8, logos-compute:memoryGiB 16): set both to the type's real size, or leave logos-compute:machineType empty to choose automatically",
    ],
    [
      "aws",
      "m5.2xlarg",
      8,
      32,
      'logos-compute:machineType ("m5.2xlarg") is not an EC2 instance type (the InstanceType list of @pulumi/aws); did you mean m5.2xlarge? Or m7i.2xlarge (8 vCPU / 32 GiB) fits 8 vCPU / 32 GiB, or leave it empty to choose automatically',
    ],
    [
      "gcp",
      "e2-custom-8-8192",
      8,
      16,
      "logos-compute:machineType e2-custom-8-8192 has 8 GiB by its name, less than 16 (logos-compute:vcpus 8, logos-compute:memoryGiB 16): set both to the type's real size, or leave logos-compute:machineType empty to choose automatically",
    ],
    [
      "azure",
      "D8s_v5",
      8,
      16,
      'logos-compute:machineType ("D8s_v5") is not an Azure VM size name such as Standard_D8s_v5; Standard_F8s_v2 (8 vCPU / 16 GiB) fits 8 vCPU / 16 GiB, or leave it empty to choose automatically',
    ],
  ])("%s refuses %s", (cloud, machineType, vcpus, memoryGiB, message) => {
    expect(problems(rawConfig(cloud, { machineType, vcpus, memoryGiB }))).toEqual([message]);
  });
});

describe("specWarnings", () => {
  it("names a documentation range left in operatorCidrs", () => {
    expect(specWarnings(parseSpec(rawConfig("aws", { operatorCidrs: ["198.51.100.0/24", "192.0.2.8/29", "81.2.69.0/24"] })))).toEqual([
      "logos-compute:operatorCidrs[0] (198.51.100.0/24) is a documentation range (198.51.100.0/24, RFC 5737) that no operator connects from: the bastion will be unreachable until you list your own egress ranges",
      "logos-compute:operatorCidrs[1] (192.0.2.8/29) is a documentation range (192.0.2.0/24, RFC 5737) that no operator connects from: the bastion will be unreachable until you list your own egress ranges",
    ]);
  });

  it("is quiet for a catalogued type and real operator ranges", () => {
    expect(specWarnings(parseSpec(rawConfig("aws", { operatorCidrs: ["81.2.69.0/24"] })))).toEqual([]);
  });
});

import type { Cloud } from "../../infra/clouds";
import type { RawConfig } from "../../infra/spec";

export const TEST_SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0Yk2v3mJ1kQ0cT9w8aXbq0p1LmN2oP3qR4sT5uV6w operator@example";
export const TEST_REF = "0123456789abcdef0123456789abcdef01234567";

const REGION: Record<Cloud, [string, string]> = {
  aws: ["aws:region", "us-east-1"],
  gcp: ["gcp:region", "us-central1"],
  azure: ["azure-native:location", "eastus"],
};

/** A valid raw config for `cloud`; `overrides` use short keys (`coreNodes`) or full ones (`gcp:project`). */
export function rawConfig(cloud: Cloud, overrides: Record<string, unknown> = {}): RawConfig {
  const [regionKey, region] = REGION[cloud];
  const base: Record<string, unknown> = {
    "logos-compute:cloud": cloud,
    [regionKey]: region,
    "logos-compute:repoUrl": "https://git.example.org/logos/logos-system.git",
    "logos-compute:repoRef": TEST_REF,
    "logos-compute:operatorCidrs": ["203.0.113.0/24"],
    "logos-compute:sshPublicKey": TEST_SSH_KEY,
    ...(cloud === "gcp" ? { "gcp:project": "logos-test-project" } : {}),
  };
  for (const [k, v] of Object.entries(overrides)) base[k.includes(":") ? k : `logos-compute:${k}`] = v;
  return base;
}

/** The pool stacks' shape: 3 core, burst to 6, one standby. */
export function poolConfig(cloud: Cloud, overrides: Record<string, unknown> = {}): RawConfig {
  return rawConfig(cloud, { coreNodes: 3, burstMax: 6, standbyNodes: 1, ...overrides });
}

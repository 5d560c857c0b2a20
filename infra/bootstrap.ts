/**
 * Node bootstrap: the cloud-init user-data every node boots with. Pure (no
 * Pulumi imports) and deterministic, so it is snapshot-tested and identical
 * on all three clouds except for the state disk's device path.
 */
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";

export type BootRole = "core" | "standby" | "burst";

export interface BootFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode, e.g. "0644". */
  readonly permissions: string;
  /** Owner; @default "root:root" */
  readonly owner?: string;
}

export interface BootstrapOptions {
  readonly role: BootRole;
  /** Host name for fixed nodes; burst nodes keep the cloud's. */
  readonly hostname?: string;
  readonly sshUser: string;
  /** Public keys authorized for `sshUser` (operator + deploy key). */
  readonly sshAuthorizedKeys: readonly string[];
  /**
   * The workload repository. `ref` is checked out and verified at first boot;
   * @default without `ref` the node is cloned only (see `repoForRole`).
   */
  readonly repo: { readonly url: string; readonly ref?: string; readonly dir: string };
  /** `LOGOS_STATE_DIR`: where the persistent state disk is mounted. */
  readonly stateDir: string;
  /**
   * Stable device path of the persistent state disk (`/dev/disk/by-id/...`).
   * @default none: the state directory lives on the (encrypted) boot disk, as on burst nodes.
   */
  readonly stateDevice?: string;
  /** Extra files (validation script, units, agent configs). @default none */
  readonly files?: readonly BootFile[];
  /** Extra packages from the Ubuntu archive. @default none */
  readonly packages?: readonly string[];
  /** Commands run after the state disk and checkout are ready, in order. @default none */
  readonly commands?: readonly (readonly string[])[];
}

/** Packages the workload needs on Ubuntu 24.04 (Coq 8.18, Python 3.12). */
export const TOOLCHAIN_PACKAGES = ["coq", "python3.12", "make", "git"] as const;

/**
 * The `coq` package Ubuntu 24.04 ships (noble, universe): source and binary
 * version 8.18.0+dfsg-1build2 (https://packages.ubuntu.com/source/noble/coq,
 * https://packages.ubuntu.com/noble/libcoq-stdlib). `coqc --version` prints
 * its upstream part, 8.18.0.
 */
export const UBUNTU_2404_COQ = "8.18.0+dfsg-1build2";

/**
 * The packages built from the coq source that the pin fixes together: `coq`
 * depends on `libcoq-stdlib` of exactly its version and on
 * `libcoq-core-ocaml` through an ABI name, so all three are pinned and held.
 */
export const COQ_PACKAGES = ["coq", "libcoq-core-ocaml", "libcoq-stdlib"] as const;

/**
 * Bootstrap extras that install exactly `version` of Coq and hold it, so
 * neither unattended-upgrades nor a later `apt upgrade` moves the toolchain
 * under a validated node. Empty `version`: nothing pinned.
 */
export function coqPin(version: string): { packages: string[]; commands: string[][] } {
  if (version === "") return { packages: [], commands: [] };
  return {
    packages: COQ_PACKAGES.map((name) => `${name}=${version}`),
    commands: [["apt-mark", "hold", ...COQ_PACKAGES]],
  };
}

export const STATE_DISK_SCRIPT = "/opt/logos/bin/logos-state-disk";
/**
 * Names the state disk's device on core nodes (root-owned, from user-data);
 * the validation reads it to refuse a state directory that is not that
 * disk's mount point.
 */
export const STATE_DEVICE_FILE = "/etc/logos/state-device";
export const CHECKOUT_SCRIPT = "/opt/logos/bin/logos-checkout";

/**
 * Mounts the state disk. Formats only when blkid finds no signature at all
 * (exit 2); any other answer leaves the disk alone, so a replaced node keeps
 * the audit history it re-attaches. `LOGOS_FSTAB` exists for its tests.
 */
export const STATE_DISK_SCRIPT_SOURCE = `#!/bin/sh
# usage: logos-state-disk <device> <mountpoint> <owner>
set -eu
dev="$1"; mnt="$2"; owner="$3"
fstab="\${LOGOS_FSTAB:-/etc/fstab}"
waited=0
while [ ! -b "$dev" ]; do
  if [ "$waited" -ge 600 ]; then echo "logos-state-disk: $dev did not appear within 600 s" >&2; exit 1; fi
  sleep 2; waited=$((waited + 2))
done
real=$(readlink -f "$dev")
set +e
blkid -p "$real" >/dev/null 2>&1
probe=$?
set -e
if [ "$probe" -eq 2 ]; then
  echo "logos-state-disk: $real has no filesystem; creating ext4"
  mkfs.ext4 -q -L logos-state "$real"
elif [ "$probe" -ne 0 ]; then
  echo "logos-state-disk: blkid could not probe $real (exit $probe); refusing to format" >&2; exit 1
fi
uuid=$(blkid -s UUID -o value "$real")
mkdir -p "$mnt"
if ! grep -q "UUID=$uuid " "$fstab"; then
  echo "UUID=$uuid $mnt ext4 defaults,nofail,x-systemd.device-timeout=60 0 2" >> "$fstab"
fi
mountpoint -q "$mnt" || mount "$mnt"
chown "$owner:$owner" "$mnt"
chmod 0750 "$mnt"
`;

/**
 * Clones the workload, checks out the pinned commit and proves HEAD is it.
 * With an empty ref it only clones: the rollout step checks out the pin.
 */
const checkoutScript = `#!/bin/sh
# usage: logos-checkout <url> <ref|""> <dir> <owner>
set -eu
url="$1"; ref="$2"; dir="$3"; owner="$4"
if [ ! -d "$dir/.git" ]; then
  mkdir -p "$(dirname "$dir")"
  git clone --quiet --no-checkout "$url" "$dir"
fi
if [ -z "$ref" ]; then
  chown -R "$owner:$owner" "$dir"
  echo "logos-checkout: $dir cloned; the validation step checks out the pinned commit"
  exit 0
fi
git -C "$dir" fetch --quiet origin "$ref" 2>/dev/null || git -C "$dir" fetch --quiet origin
git -C "$dir" -c advice.detachedHead=false checkout --quiet --detach "$ref"
head=$(git -C "$dir" rev-parse HEAD)
if [ "$head" != "$ref" ]; then
  echo "logos-checkout: HEAD is $head, expected pinned ref $ref" >&2; exit 1
fi
chown -R "$owner:$owner" "$dir"
echo "logos-checkout: $dir at $ref"
`;

/**
 * The repository as a role's user-data carries it. Core nodes get no ref:
 * user-data only acts at first boot, and changing it on a running VM stops
 * and starts it (AWS: the provider's update is ModifyInstanceAttribute
 * between StopInstances and StartInstances, hashicorp/terraform-provider-aws
 * internal/service/ec2/ec2_instance.go, modifyInstanceAttributeWithStopStart)
 * or fails (Azure: osProfile.customData "cannot be updated after the VM is
 * created", Azure compute API, PropertyChangeNotAllowed). So a new `repoRef`
 * reaches core nodes through the validation's checkout step, never through
 * their VMs. Burst and standby nodes keep the ref: their templates roll.
 */
export function repoForRole(
  repo: { readonly url: string; readonly ref: string; readonly dir: string },
  role: BootRole,
): BootstrapOptions["repo"] {
  switch (role) {
    case "core":
      return { url: repo.url, dir: repo.dir };
    case "burst":
    case "standby":
      return repo;
    default: {
      const never: never = role;
      throw new Error(`unknown boot role ${String(never)}`);
    }
  }
}

/**
 * The keys a role's user-data authorizes. Core nodes boot with the deploy key
 * alone: their sync step (infra/node/sync.ts) authorizes the operator key
 * and replaces it when it is rotated, so a rotation never changes a core
 * VM's user-data. Burst and standby nodes carry both: their templates roll.
 */
export function authorizedKeysForRole(role: BootRole, operatorKey: string, deployKey: string): string[] {
  switch (role) {
    case "core":
      return [deployKey.trim()];
    case "burst":
    case "standby":
      return [operatorKey.trim(), deployKey.trim()];
    default: {
      const never: never = role;
      throw new Error(`unknown boot role ${String(never)}`);
    }
  }
}

/** Renders `#cloud-config` user-data for one node role. */
export function renderUserData(o: BootstrapOptions): string {
  const envLine = `LOGOS_STATE_DIR=${o.stateDir}`;
  const files: BootFile[] = [
    { path: STATE_DISK_SCRIPT, content: STATE_DISK_SCRIPT_SOURCE, permissions: "0755" },
    ...(o.stateDevice ? [{ path: STATE_DEVICE_FILE, content: `${o.stateDevice}\n`, permissions: "0644" }] : []),
    { path: CHECKOUT_SCRIPT, content: checkoutScript, permissions: "0755" },
    {
      path: "/etc/ssh/sshd_config.d/60-logos.conf",
      content: [
        "# Key-only SSH; no root, no passwords.",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        `AllowUsers ${o.sshUser}`,
        "",
      ].join("\n"),
      permissions: "0644",
    },
    { path: "/etc/profile.d/logos.sh", content: `export ${envLine}\n`, permissions: "0644" },
    ...(o.files ?? []),
  ];

  const commands: string[][] = [
    ["sh", "-c", `grep -q '^LOGOS_STATE_DIR=' /etc/environment || echo '${envLine}' >> /etc/environment`],
    ["mkdir", "-p", parentOf(o.stateDir)],
    o.stateDevice
      ? [STATE_DISK_SCRIPT, o.stateDevice, o.stateDir, o.sshUser]
      : ["install", "-d", "-m", "0750", "-o", o.sshUser, "-g", o.sshUser, o.stateDir],
    [CHECKOUT_SCRIPT, o.repo.url, o.repo.ref ?? "", o.repo.dir, o.sshUser],
    ["systemctl", "reload", "ssh"],
    ...(o.commands ?? []).map((c) => [...c]),
  ];

  const doc = {
    ...(o.hostname ? { hostname: o.hostname, fqdn: o.hostname, prefer_fqdn_over_hostname: false } : {}),
    disable_root: true,
    ssh_pwauth: false,
    users: [loginUser(o.sshUser, o.sshAuthorizedKeys)],
    package_update: true,
    packages: packageList(o.packages ?? []),
    write_files: files.map((f) => ({
      path: f.path,
      ...packed(f.content),
      permissions: f.permissions,
      owner: f.owner ?? "root:root",
    })),
    runcmd: commands,
  };
  return `#cloud-config\n# logos-compute ${o.role} node\n${stringify(doc, { lineWidth: 0 })}`;
}

/**
 * The toolchain plus extras. An extra `name=version` pins that package: it
 * replaces the toolchain's unpinned entry and becomes cloud-init's
 * `[name, version]` pair, which its apt backend installs as `name=version`
 * (cloud-init docs, cc_package_update_upgrade_install example;
 * cloudinit/util.py expand_package_list).
 */
function packageList(extras: readonly string[]): (string | [string, string])[] {
  const pinned = new Map<string, string>();
  for (const p of extras) {
    const eq = p.indexOf("=");
    if (eq > 0) pinned.set(p.slice(0, eq), p.slice(eq + 1));
  }
  const plain = [...TOOLCHAIN_PACKAGES, ...extras.filter((p) => !p.includes("="))].filter((p) => !pinned.has(p));
  return [...new Set(plain), ...[...pinned].map(([name, version]): [string, string] => [name, version])];
}

/**
 * Files above this size travel gzip-compressed: AWS caps user-data at 16 KiB,
 * and the validation script alone is larger. Small files stay readable.
 */
export const PACK_ABOVE_BYTES = 4096;

function packed(content: string): { content: string; encoding?: "gz+b64" } {
  if (Buffer.byteLength(content) <= PACK_ABOVE_BYTES) return { content };
  // gzip's header carries no timestamp from Node's zlib, so the output is stable.
  return { content: gzipSync(Buffer.from(content), { level: 9 }).toString("base64"), encoding: "gz+b64" };
}

function parentOf(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** The one login user: key-only (password locked), passwordless sudo. */
function loginUser(name: string, keys: readonly string[]) {
  return {
    name,
    shell: "/bin/bash",
    groups: ["sudo"],
    sudo: "ALL=(ALL) NOPASSWD:ALL",
    lock_passwd: true,
    ssh_authorized_keys: keys.map((k) => k.trim()),
  };
}

export const BASTION_SSHD_DROP_IN = "/etc/ssh/sshd_config.d/60-logos-bastion.conf";

/**
 * The bastion's sshd capacity settings. A `pulumi up` holds at most
 * `rolloutBatchSize` (<= 30) validations in flight, each with one connection
 * to the bastion that counts as a "startup" only until it has authenticated.
 * sshd's default `MaxStartups 10:30:100` starts refusing 30 % of new
 * connections once 10 are unauthenticated at the same moment — reachable when
 * a whole batch dials at once. 64:30:128 keeps twice the largest batch clear
 * of any refusal (sshd_config(5), MaxStartups). `MaxSessions` is left at its
 * default: it limits shell/exec/subsystem sessions multiplexed on one
 * connection, and a ProxyJump hop is a direct-tcpip forward, not a session.
 * The e2e harness's bastion runs with exactly these lines.
 */
export const BASTION_SSHD_CAPACITY: readonly string[] = ["MaxStartups 64:30:128"];

/**
 * The bastion's cloud-init, the same on every cloud. The bastion only
 * forwards SSH (ProxyJump), so it gets no toolchain, no repository and no
 * package installs: nothing here needs the internet at first boot, when a
 * cloud may not have attached its public address yet.
 */
export function renderBastionUserData(o: { readonly sshUser: string; readonly sshAuthorizedKeys: readonly string[] }): string {
  const sshd = [
    "# Key-only jump host: no root, no passwords, forwarding for ProxyJump only.",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin no",
    `AllowUsers ${o.sshUser}`,
    "AllowTcpForwarding yes",
    "AllowAgentForwarding no",
    "X11Forwarding no",
    "PermitTunnel no",
    ...BASTION_SSHD_CAPACITY,
    "",
  ].join("\n");
  const doc = {
    disable_root: true,
    ssh_pwauth: false,
    users: [loginUser(o.sshUser, o.sshAuthorizedKeys)],
    package_update: false,
    write_files: [{ path: BASTION_SSHD_DROP_IN, content: sshd, permissions: "0644", owner: "root:root" }],
    runcmd: [["systemctl", "reload", "ssh"]],
  };
  return `#cloud-config\n# logos-compute bastion\n${stringify(doc, { lineWidth: 0 })}`;
}

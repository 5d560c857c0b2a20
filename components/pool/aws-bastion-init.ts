/**
 * The bastion's cloud-init. Pure (no Pulumi imports) and cloud-neutral in
 * content; it lives beside the AWS adapter until the other adapters share it.
 *
 * The bastion only forwards SSH (ProxyJump), so it gets no toolchain, no
 * repository and no package installs: at first boot its Elastic IP may not be
 * associated yet, and nothing here needs the internet.
 */
import { stringify } from "yaml";

export interface BastionInitOptions {
  readonly sshUser: string;
  /** Operator key and deploy key, one OpenSSH line each. */
  readonly sshAuthorizedKeys: readonly string[];
}

export const BASTION_SSHD_DROP_IN = "/etc/ssh/sshd_config.d/60-logos-bastion.conf";

export function renderBastionUserData(o: BastionInitOptions): string {
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
    "",
  ].join("\n");
  const doc = {
    disable_root: true,
    ssh_pwauth: false,
    users: [
      {
        name: o.sshUser,
        shell: "/bin/bash",
        groups: ["sudo"],
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
        ssh_authorized_keys: o.sshAuthorizedKeys.map((k) => k.trim()),
      },
    ],
    package_update: false,
    write_files: [{ path: BASTION_SSHD_DROP_IN, content: sshd, permissions: "0644", owner: "root:root" }],
    runcmd: [["systemctl", "reload", "ssh"]],
  };
  return `#cloud-config\n# logos-compute bastion\n${stringify(doc, { lineWidth: 0 })}`;
}

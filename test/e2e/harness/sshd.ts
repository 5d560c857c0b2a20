/**
 * Two real OpenSSH servers on loopback — a bastion and a node — each with its
 * own host key, authorized_keys and config in a temporary directory, plus a
 * client config with pinned host keys. Used by the e2e tests and the bench.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir, userInfo } from "node:os";
import * as path from "node:path";

export const SSHD = "/usr/sbin/sshd";

/** Fails with an actionable message when a tool the e2e suite needs is missing. */
export function requireTools(): void {
  const missing: string[] = [];
  if (!existsSync(SSHD)) missing.push(`${SSHD} (Debian package openssh-server)`);
  for (const [tool, pkg] of [
    ["ssh", "openssh-client"],
    ["ssh-keygen", "openssh-client"],
    ["coqc", "coq"],
    ["coqtop", "coq"],
    ["coq_makefile", "coq"],
    ["make", "make"],
    ["git", "git"],
    ["python3", "python3"],
  ] as const) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`], { timeout: 5_000 }).status !== 0) missing.push(`${tool} (Debian package ${pkg})`);
  }
  if (missing.length > 0) {
    throw new Error(
      `the e2e suite needs real sshd and Coq; missing: ${missing.join(", ")}. Install with: apt-get install -y coq openssh-server`,
    );
  }
}

export interface SshResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

export interface SshPair {
  readonly dir: string;
  readonly user: string;
  readonly bastionPort: number;
  readonly nodePort: number;
  /** Client config: hosts `logos-bastion`, `logos-node`, and `logos-unreachable`/`logos-silent` for fault cases. */
  readonly clientConfig: string;
  /** Pid of the bastion's listening sshd (its per-connection processes are its descendants). */
  readonly bastionPid: number;
  /** The bastion sshd's log so far (LogLevel VERBOSE, last 64 KiB). */
  bastionLog(): string;
  /** `ssh -J logos-bastion <target> <command>` with pinned host keys. */
  run(target: string, command: string, opts?: { timeoutMs?: number; extraOptions?: readonly string[]; stdin?: string }): Promise<SshResult>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function keygen(file: string, comment: string): string {
  const done = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], { timeout: 30_000, encoding: "utf8" });
  if (done.status !== 0) throw new Error(`ssh-keygen ${file} failed: ${done.stderr}`);
  return readFileSync(`${file}.pub`, "utf8").trim();
}

function sshdConfig(o: {
  port: number;
  hostKey: string;
  authorizedKeys: string;
  user: string;
  forwarding: boolean;
  settings?: readonly string[];
}): string {
  const given = new Set((o.settings ?? []).map((line) => line.split(/\s+/)[0]?.toLowerCase()));
  return [
    ...(o.settings ?? []),
    // The harness defaults below yield to any keyword given in `settings`.
    ...harnessDefaults(o).filter((line) => !given.has(line.split(/\s+/)[0]?.toLowerCase())),
  ].join("\n");
}

function harnessDefaults(o: { port: number; hostKey: string; authorizedKeys: string; user: string; forwarding: boolean }): string[] {
  return [
    `Port ${o.port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${o.hostKey}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    `AllowUsers ${o.user}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "UsePAM no",
    "StrictModes no",
    "PidFile none",
    `AllowTcpForwarding ${o.forwarding ? "yes" : "no"}`,
    "X11Forwarding no",
    "PermitTTY no",
    "MaxStartups 50",
    "MaxSessions 20",
    "LogLevel VERBOSE",
    "",
  ];
}

/** Resolves once the server answers with an SSH banner; rejects if it exits first. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd on port ${port} exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    }
    const banner = await new Promise<string>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      let data = "";
      const finish = () => {
        socket.destroy();
        resolve(data);
      };
      socket.setTimeout(1_000, finish);
      socket.on("data", (chunk) => {
        data += chunk.toString();
        if (data.includes("\n")) finish();
      });
      socket.on("error", finish);
      socket.on("close", finish);
    });
    if (banner.startsWith("SSH-2.0-")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd on port ${port} did not answer within ${timeoutMs} ms: ${log()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A TCP listener that accepts and never speaks: a node whose sshd hangs. The
 * client must give up within its connect timeout.
 */
export async function startSilentListener(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function startSshPair(opts: { silentPort?: number; bastionSettings?: readonly string[] } = {}): Promise<SshPair> {
  requireTools();
  // sshd refuses to start without its privilege separation directory.
  if (!existsSync("/run/sshd")) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(path.join(tmpdir(), "logos-e2e-ssh-"));
  const user = userInfo().username;
  const clientKey = path.join(dir, "id_ed25519");
  const clientPub = keygen(clientKey, "logos-e2e-client");
  const authorizedKeys = path.join(dir, "authorized_keys");
  writeFileSync(authorizedKeys, `${clientPub}\n`, { mode: 0o600 });

  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const start = async (role: string, forwarding: boolean, settings: readonly string[] = []) => {
    const port = await freePort();
    const hostKey = path.join(dir, `${role}_host_ed25519`);
    const hostPub = keygen(hostKey, `logos-e2e-${role}`);
    const config = path.join(dir, `${role}_sshd_config`);
    writeFileSync(config, sshdConfig({ port, hostKey, authorizedKeys, user, forwarding, settings }));
    const child = spawn(SSHD, ["-f", config, "-D", "-e"], { stdio: ["ignore", "ignore", "pipe"] });
    const index = logs.push("") - 1;
    child.stderr?.on("data", (chunk) => {
      logs[index] = (logs[index] + chunk.toString()).slice(-65_536);
    });
    children.push(child);
    await waitForBanner(port, child, () => logs[index] ?? "");
    return { port, hostPub, pid: child.pid ?? 0, log: () => logs[index] ?? "" };
  };

  try {
    const bastion = await start("bastion", true, opts.bastionSettings);
    const node = await start("node", false);
    const unreachablePort = await freePort(); // nothing listens here
    const knownHosts = path.join(dir, "known_hosts");
    const keyOf = (pub: string) => pub.split(" ").slice(0, 2).join(" ");
    writeFileSync(knownHosts, `[127.0.0.1]:${bastion.port} ${keyOf(bastion.hostPub)}\n[127.0.0.1]:${node.port} ${keyOf(node.hostPub)}\n`);
    const clientConfig = path.join(dir, "ssh_config");
    writeFileSync(
      clientConfig,
      [
        "Host logos-bastion",
        "  HostName 127.0.0.1",
        `  Port ${bastion.port}`,
        "Host logos-node",
        "  HostName 127.0.0.1",
        `  Port ${node.port}`,
        "Host logos-unreachable",
        "  HostName 127.0.0.1",
        `  Port ${unreachablePort}`,
        "Host logos-silent",
        "  HostName 127.0.0.1",
        `  Port ${opts.silentPort ?? unreachablePort}`,
        "Host *",
        `  User ${user}`,
        `  IdentityFile ${clientKey}`,
        "  IdentitiesOnly yes",
        "  IdentityAgent none",
        `  UserKnownHostsFile ${knownHosts}`,
        "  GlobalKnownHostsFile /dev/null",
        "  StrictHostKeyChecking yes",
        "  UpdateHostKeys no",
        "  CheckHostIP no",
        "  BatchMode yes",
        "  ConnectTimeout 10",
        "  ConnectionAttempts 1",
        "  ServerAliveInterval 5",
        "  ServerAliveCountMax 6",
        "  LogLevel ERROR",
        "",
      ].join("\n"),
    );

    const run: SshPair["run"] = (target, command, runOpts = {}) => {
      const timeoutMs = runOpts.timeoutMs ?? 300_000;
      const argv = [
        "-F",
        clientConfig,
        "-o",
        "StrictHostKeyChecking=yes",
        ...(runOpts.extraOptions ?? []).flatMap((o) => ["-o", o]),
        "-J",
        "logos-bastion",
        target,
        command,
      ];
      const started = Date.now();
      return new Promise((resolve) => {
        const child = spawn("ssh", argv, { stdio: [runOpts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        if (runOpts.stdin !== undefined) child.stdin?.end(runOpts.stdin);
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout?.on("data", (c) => (stdout += c.toString()));
        child.stderr?.on("data", (c) => (stderr += c.toString()));
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, timeoutMs);
        child.on("close", (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
        });
      });
    };

    return {
      dir,
      user,
      bastionPort: bastion.port,
      nodePort: node.port,
      bastionPid: bastion.pid,
      bastionLog: bastion.log,
      clientConfig,
      run,
      stop: async () => {
        await Promise.all(children.map(stopChild));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

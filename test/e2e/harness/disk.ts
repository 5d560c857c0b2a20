/**
 * A small state disk for the e2e suite: an ext4 image loop-mounted on a
 * temporary directory, so the state directory is a real mount point of a real
 * block device, and the disk can be filled to its last block. Needs root (the
 * suite runs as root here and in CI); without it, the cases fail and say so.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export interface SmallDisk {
  /** The loop device, e.g. /dev/loop3. */
  readonly device: string;
  readonly mountPoint: string;
  /** Bytes an unprivileged writer could still use (statfs bavail). */
  free(): number;
  /** Writes a filler file so that only about `leaveBytes` stay free. */
  fillLeaving(leaveBytes: number, name?: string): string;
  unmount(): void;
}

function run(argv: string[]): { status: number | null; out: string } {
  const [program, ...args] = argv;
  const done = spawnSync(program ?? "false", args, { encoding: "utf8", timeout: 60_000 });
  return { status: done.status, out: `${done.stdout}${done.stderr}`.trim() };
}

/** Formats `sizeMiB` of ext4 (no reserved blocks, so root sees what statfs reports) and mounts it at `mountPoint`. */
export function mountSmallDisk(mountPoint: string, sizeMiB = 8): SmallDisk {
  const image = `${mountPoint}.img`;
  mkdirSync(mountPoint, { recursive: true });
  writeFileSync(image, "");
  const steps: string[][] = [
    ["truncate", "-s", `${sizeMiB}M`, image],
    ["mkfs.ext4", "-q", "-F", "-m", "0", "-L", "logos-state", image],
    ["mount", "-o", "loop", image, mountPoint],
  ];
  for (const step of steps) {
    const r = run(step);
    if (r.status !== 0) {
      rmSync(image, { force: true });
      throw new Error(
        `the state-disk and full-disk e2e cases loop-mount a small ext4 image and need root with loop devices; ` +
          `\`${step.join(" ")}\` failed (exit ${r.status}): ${r.out}`,
      );
    }
  }
  const attached = run(["losetup", "-j", image]).out.split("\n")[0] ?? "";
  const device = attached.split(":")[0] ?? "";
  if (!device.startsWith("/dev/loop")) {
    run(["umount", mountPoint]);
    throw new Error(`could not find the loop device of ${image}: losetup said ${JSON.stringify(attached)}`);
  }
  const free = () => {
    const s = statfsSync(mountPoint);
    return Number(s.bavail) * Number(s.bsize);
  };
  return {
    device,
    mountPoint,
    free,
    fillLeaving(leaveBytes, name = "filler.bin") {
      const file = path.join(mountPoint, name);
      writeFileSync(file, Buffer.alloc(Math.max(free() - leaveBytes, 0)));
      return file;
    },
    unmount() {
      // `mount -o loop` set autoclear: the loop device goes with the mount.
      const r = run(["umount", mountPoint]);
      if (r.status !== 0) throw new Error(`umount ${mountPoint} failed: ${r.out}`);
      rmSync(image, { force: true });
    },
  };
}

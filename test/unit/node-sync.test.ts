/**
 * The sync step's pure parts: the command line, the manifest's canonical form
 * and digest (its trigger), the manifest checks with their exact messages,
 * and the result parser.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

import {
  SYNC_EXIT_CODES,
  SYNC_SCRIPT_SOURCE,
  buildSyncCommand,
  manifestDigest,
  manifestText,
  parseSyncResult,
  readManifestText,
  syncManifestProblems,
  type SyncManifest,
} from "../../infra/node/sync";

const base: SyncManifest = {
  version: 1,
  node: "logos-core-0",
  user: "ubuntu",
  authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0Yk2v3mJ1kQ0cT9w8aXbq0p1LmN2oP3qR4sT5uV6w op"],
  files: [{ path: "/etc/logos/a", content: "a\n", permissions: "0644" }],
  packages: [],
  commands: [],
};

describe("sync step", () => {
  it("runs the copy as root: directly for root, through sudo -n otherwise, the path quoted", () => {
    expect(buildSyncCommand()).toBe(
      `if [ "$(id -u)" -eq 0 ]; then exec python3 'logos-node_sync.py'; else exec sudo -n python3 'logos-node_sync.py'; fi`,
    );
    expect(buildSyncCommand("it's.py")).toContain(`'it'\\''s.py'`);
  });

  it("digests the manifest canonically: key order does not matter, content does", () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as unknown as SyncManifest;
    expect(Object.keys(reordered)[0]).toBe("commands");
    expect(manifestDigest(reordered)).toBe(manifestDigest(base));
    expect(manifestText(reordered)).toBe(manifestText(base));
    expect(manifestDigest({ ...base, files: [{ ...base.files[0], content: "b\n" }] })).not.toBe(manifestDigest(base));
    expect(manifestDigest({ ...base, authorizedKeys: [...base.authorizedKeys, "ssh-ed25519 AAAA other"] })).not.toBe(manifestDigest(base));
  });

  it("sends the manifest compressed on one line, stable for equal content, and reads it back", () => {
    const text = manifestText(base);
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
    expect(readManifestText(text)).toEqual(base);
    expect(manifestText({ ...base })).toBe(text);
    const big: SyncManifest = { ...base, files: [{ path: "/opt/x.py", content: "print('logos')\n".repeat(2000), permissions: "0755" }] };
    expect(manifestText(big).length).toBeLessThan(JSON.stringify(big).length / 10);
  });

  it("lists every manifest problem with the field and the node", () => {
    expect(syncManifestProblems(base)).toEqual([]);
    expect(
      syncManifestProblems({
        ...base,
        authorizedKeys: [],
        files: [
          { path: "etc/x", content: "", permissions: "0644" },
          { path: "/etc/y", content: "", permissions: "rw" },
          { path: "/etc/y", content: "", permissions: "0644" },
        ],
      }),
    ).toEqual([
      "sync manifest for logos-core-0: authorizedKeys is empty; the node would lock everyone out",
      "sync manifest for logos-core-0: file etc/x must be an absolute path",
      "sync manifest for logos-core-0: file /etc/y permissions (rw) must be octal",
      "sync manifest for logos-core-0: file /etc/y is given twice",
    ]);
  });

  it("parses the last stdout line and names the node when there is none", () => {
    const line = JSON.stringify({
      node: "n",
      status: "synced",
      firstBoot: "none",
      keysChanged: false,
      filesChanged: [],
      packagesInstalled: [],
      commandsRun: 0,
      stateDisk: { status: "current" },
    });
    expect(parseSyncResult("n", `noise\n${line}\n`).status).toBe("synced");
    expect(() => parseSyncResult("logos-core-1", "")).toThrow('node logos-core-1: the sync step printed no result: ""');
  });

  it("keeps the exit codes in step with the script", () => {
    const done = spawnSync(
      "python3",
      [
        "-c",
        `import importlib.util as u; s=u.spec_from_file_location("s", ${JSON.stringify(SYNC_SCRIPT_SOURCE)}); m=u.module_from_spec(s); s.loader.exec_module(m); import json; print(json.dumps(m.EXIT_CODES))`,
      ],
      {
        encoding: "utf8",
      },
    );
    expect(done.status, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual(SYNC_EXIT_CODES);
  });

  it("refuses a manifest it cannot read, naming the step", () => {
    const done = spawnSync("python3", [SYNC_SCRIPT_SOURCE], { input: "{not json", encoding: "utf8" });
    expect(done.status).toBe(SYNC_EXIT_CODES.usage);
    expect(done.stderr).toMatch(/^logos-sync: node this node: FAILED at usage: the manifest on stdin is not valid: /);
  });
});

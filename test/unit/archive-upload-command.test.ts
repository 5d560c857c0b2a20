/** The pure side of the log archive: names, the archive command, Key Vault ids. */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ARCHIVE_UPLOADER_PATH,
  archiveBootstrap,
  archiveCommandFor,
  archiveNames,
  archiveTarget,
  parseKeyVaultKeyId,
  retentionSeconds,
  shellQuote,
  type ArchiveSeed,
} from "../../components/log-archive/names";

const SEED: ArchiveSeed = {
  organization: "acme",
  project: "logos-compute",
  stack: "aws-pool",
  cloud: "aws",
  region: "us-east-1",
  entropy: "0123456789abcdef",
};

/** Runs `command` with /bin/sh as validate_proof.py does; the "python" is a script that prints its argv. */
function argvOf(command: string, env: Record<string, string>): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "archive-cmd-"));
  const printer = path.join(dir, "argv");
  writeFileSync(printer, '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n');
  chmodSync(printer, 0o755);
  const done = spawnSync("/bin/sh", ["-c", command.replace(/^\S+/, shellQuote(printer))], {
    env: { PATH: "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });
  expect(done.status, done.stderr).toBe(0);
  return done.stdout.split("\0").slice(0, -1);
}

describe("archiveNames", () => {
  it("fits every cloud's naming rules", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/), fc.string(), (pool, stack) => {
        const n = archiveNames(pool, { ...SEED, stack });
        expect(n.bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
        expect(n.bucket).not.toMatch(/^goog|google/);
        expect(n.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
      }),
    );
  });

  it("leaves out a pool name Cloud Storage refuses in a bucket name (goog…, …google…)", () => {
    // The property above draws random pool names and almost never hits these.
    for (const pool of ["goog-pool", "google-logos-pool-20", "my-google"]) {
      const n = archiveNames(pool, SEED);
      expect(n.bucket).toMatch(/^logos-audit-[0-9a-f]{12}$/);
    }
    expect(archiveNames("logos-pool", SEED).bucket).toMatch(/^logos-pool-audit-[0-9a-f]{12}$/);
  });

  it("leaves out a pool name S3 refuses at the start of a bucket name (xn--…, sthree-…, amzn-s3-demo-…)", () => {
    // Valid pool names (3-20 of [a-z0-9-], starting with a letter); S3's bucket naming rules refuse these prefixes.
    for (const pool of ["xn--pool", "sthree-pool", "amzn-s3-demo-pool"]) {
      const n = archiveNames(pool, SEED);
      expect(n.bucket).toMatch(/^logos-audit-[0-9a-f]{12}$/);
    }
    expect(archiveNames("xn-pool", SEED).bucket).toMatch(/^xn-pool-audit-[0-9a-f]{12}$/);
  });

  it("differs per stack, cloud, region and GCP project, and is stable", () => {
    const base = archiveNames("logos", SEED);
    expect(archiveNames("logos", SEED)).toEqual(base);
    for (const change of [{ stack: "aws-pilot" }, { region: "eu-west-1" }, { organization: "other" }, { gcpProject: "p" }]) {
      expect(archiveNames("logos", { ...SEED, ...change }).bucket).not.toBe(base.bucket);
    }
  });

  it("differs between two deployers of the same stack, project and region: the entropy in their states differs", () => {
    const mine = archiveNames("logos", SEED);
    const theirs = archiveNames("logos", { ...SEED, entropy: "fedcba9876543210" });
    expect(theirs.bucket).not.toBe(mine.bucket);
    expect(theirs.storageAccount).not.toBe(mine.storageAccount);
  });

  it("targets the bucket, or account/container on Azure", () => {
    const n = archiveNames("logos", SEED);
    expect(archiveTarget("aws", n)).toBe(n.bucket);
    expect(archiveTarget("gcp", n)).toBe(n.bucket);
    expect(archiveTarget("azure", n)).toBe(`${n.storageAccount}/audit-logs`);
  });
});

describe("archiveCommandFor", () => {
  it("is the uploader with the node and log path left to the validation's environment", () => {
    expect(archiveCommandFor({ cloud: "aws", target: "logos-audit-0123", pool: "logos", region: "us-east-1" })).toBe(
      'python3 /opt/logos/bin/archive_upload.py --cloud aws --target logos-audit-0123 --pool logos --node "$LOGOS_NODE" --file "$LOGOS_AUDIT_LOG" --region us-east-1',
    );
  });

  it("expands $LOGOS_NODE and $LOGOS_AUDIT_LOG as single words, whatever they hold", () => {
    const command = archiveCommandFor({ cloud: "azure", target: "acct/audit-logs", pool: "logos", clientId: "c-1" });
    const argv = argvOf(command, { LOGOS_NODE: "core 0; rm -rf /", LOGOS_AUDIT_LOG: "/var/lib/logos/state/a b.json" });
    expect(argv).toEqual([
      ARCHIVE_UPLOADER_PATH,
      "--cloud",
      "azure",
      "--target",
      "acct/audit-logs",
      "--pool",
      "logos",
      "--node",
      "core 0; rm -rf /",
      "--file",
      "/var/lib/logos/state/a b.json",
      "--client-id",
      "c-1",
    ]);
  });

  it("reads the target cloud-init wrote when none is given, as one word", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "archive-target-"));
    const file = path.join(dir, "target");
    writeFileSync(file, "lalogos0123456789/audit-logs");
    const command = archiveCommandFor({ cloud: "azure", pool: "logos", targetFile: file });
    expect(command).toContain(`--target "$(cat ${file})"`);
    expect(argvOf(command, { LOGOS_NODE: "n", LOGOS_AUDIT_LOG: "/x" }).slice(3, 5)).toEqual(["--target", "lalogos0123456789/audit-logs"]);
    expect(archiveCommandFor({ cloud: "gcp", pool: "logos" })).toContain('--target "$(cat /etc/logos/archive-target)"');
  });

  it("quotes any explicit value so /bin/sh hands it over unchanged", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !s.includes("\0")),
        fc.string({ minLength: 1 }).filter((s) => !s.includes("\0")),
        (target, node) => {
          const argv = argvOf(archiveCommandFor({ cloud: "gcp", target, pool: "logos", node }), { LOGOS_AUDIT_LOG: "/x" });
          expect(argv[4]).toBe(target);
          expect(argv[8]).toBe(node);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("archiveBootstrap", () => {
  it("ships the uploader from infra/node, executable", () => {
    const [file] = archiveBootstrap().files ?? [];
    expect(file.path).toBe("/opt/logos/bin/archive_upload.py");
    expect(file.permissions).toBe("0755");
    expect(file.content.startsWith("#!/usr/bin/env python3\n")).toBe(true);
    expect(archiveBootstrap().computedFiles).toBeUndefined();
  });

  it("writes the target, known only to the engine, where the archive command reads it", () => {
    expect(archiveBootstrap("bucket-x").computedFiles).toEqual([
      { path: "/etc/logos/archive-target", content: "bucket-x", permissions: "0644" },
    ]);
  });
});

describe("parseKeyVaultKeyId", () => {
  it("splits a key's ARM id into vault id, URI and key name", () => {
    const vault = "/subscriptions/s-1/resourceGroups/rg-1/providers/Microsoft.KeyVault/vaults/kvlogos1";
    expect(parseKeyVaultKeyId(`${vault}/keys/disk-key`)).toEqual({
      subscriptionId: "s-1",
      resourceGroupName: "rg-1",
      vaultName: "kvlogos1",
      vaultId: vault,
      vaultUri: "https://kvlogos1.vault.azure.net/",
      keyName: "disk-key",
    });
  });

  it("names the expected shape when the id is something else", () => {
    expect(() => parseKeyVaultKeyId("https://kv.vault.azure.net/keys/k")).toThrow(
      'encryptionKeyId ("https://kv.vault.azure.net/keys/k") must be the ARM id of a Key Vault key, /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<vault>/keys/<key>; or pass azureKeyVault explicitly',
    );
  });
});

describe("retentionSeconds", () => {
  it("is days in seconds as a string", () => {
    expect(retentionSeconds(365)).toBe("31536000");
  });
});

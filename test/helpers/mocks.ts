import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly parent?: string;
}

/**
 * Installs the Pulumi mock monitor and records every registration. Call before
 * importing any module that creates resources. `dryRun` true gives preview
 * semantics: outputs the mock does not return stay unknown.
 */
export function installMocks(dryRun = false): { resources: Registered[]; ofType: (t: string) => Registered[] } {
  const resources: Registered[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "tls:index/privateKey:PrivateKey") {
          state.publicKeyOpenssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployKeyForTestsOnly0000000000000000000 deploy";
          state.privateKeyOpenssh = "-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----\n";
        }
        if (args.type === "random:index/randomId:RandomId") state.hex = "feedface0badc0de";
        if (args.type === "command:remote:Command") {
          // What validate_proof.py prints last on a passing node.
          state.stdout = `${JSON.stringify({
            version: 1,
            status: "pass",
            stage: "complete",
            exitCode: 0,
            node: args.name.replace(/-validate-run$/, ""),
            agentHash: "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda",
            fileDigest: null,
            ref: "0123456789abcdef0123456789abcdef01234567",
            auditEntriesBefore: 2,
            auditEntriesAfter: 3,
            auditLog: "/var/lib/logos/state/alignment_LOGOS-AGENT-OMEGA.json",
            historyFile: null,
            footprint: { status: "ok", axioms: [] },
            archive: { status: "uploaded" },
            seconds: { total: 4.2 },
            errors: [],
            warnings: [],
          })}\n`;
        }
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        if (args.token === "aws:ssm/getParameter:getParameter") return { ...args.inputs, value: "ami-0123456789abcdef0", type: "String" };
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity")
          return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/test", userId: "AIDTEST" };
        if (args.token === "aws:index/getPartition:getPartition") return { partition: "aws", dnsSuffix: "amazonaws.com" };
        if (args.token === "azure-native:authorization:getClientConfig")
          return {
            clientId: "00000000-0000-0000-0000-000000000001",
            objectId: "00000000-0000-0000-0000-000000000002",
            subscriptionId: "00000000-0000-0000-0000-000000000003",
            tenantId: "00000000-0000-0000-0000-000000000004",
          };
        if (args.token === "gcp:storage/getProjectServiceAccount:getProjectServiceAccount")
          return {
            ...args.inputs,
            emailAddress: "service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
            member: "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
          };
        if (args.token === "gcp:organizations/getProject:getProject")
          return { ...args.inputs, number: "123456789012", projectId: "logos-test-project" };
        return args.inputs;
      },
    },
    "logos-compute",
    "test",
    dryRun,
  );
  return { resources, ofType: (t) => resources.filter((r) => r.type === t) };
}

/** Resolves an Output in tests (dryRun false). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) =>
    o.apply((v) => {
      resolve(v);
      return v;
    }),
  );
}

/**
 * A first `pulumi preview`: the provider echoes the inputs it was given and
 * nothing the cloud computes (ids, principal ids, key URIs) is known. Invokes
 * are answered by `call` (undefined: echo the inputs), as in a real preview.
 */
export function installPreviewMocks(
  call: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined = () => undefined,
): Registered[] {
  const resources: Registered[] = [];
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: undefined, state: { ...args.inputs } };
      },
      call: (args) => call(args) ?? args.inputs,
    },
    "logos-compute",
    "test",
    true,
  );
  return resources;
}

/** An Output's value if it is known; an unknown one never resolves, so this fails instead of hanging. */
export function known<T>(o: pulumi.Output<T>, ms = 2000): Promise<T> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("unknown at preview")), ms));
  return Promise.race([valueOf(o), timeout]);
}

/** Waits until `done()` holds, or fails after `ms`. */
export async function waitFor(done: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error("timed out waiting for registrations");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves once no new registration has arrived for 100 ms. */
export async function settled(resources: readonly unknown[]): Promise<void> {
  let seen = -1;
  while (seen !== resources.length) {
    seen = resources.length;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The single registration of `type`; fails when there are none or several. */
export function one(resources: readonly Registered[], type: string): Registered {
  const found = resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

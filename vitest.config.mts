import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure logic, mock-runtime components, policies) runs
// everywhere; `e2e` needs real sshd + Coq and is run by `.ci/run` after it
// installs them. Each test file runs in its own forked process so the Pulumi
// runtime's process-wide mock state never leaks between files.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/components/**/*.test.ts", "test/policies/**/*.test.ts"],
          pool: "forks",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          pool: "forks",
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});

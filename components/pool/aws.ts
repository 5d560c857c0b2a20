import type { AdapterContext, PoolParts } from "./types";

export function buildAwsPool(ctx: AdapterContext): PoolParts {
  throw new Error(`the aws adapter is not built yet (pool ${ctx.name})`);
}

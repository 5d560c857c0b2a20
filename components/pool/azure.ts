import type { AdapterContext, PoolParts } from "./types";

export function buildAzurePool(ctx: AdapterContext): PoolParts {
  throw new Error(`the azure adapter is not built yet (pool ${ctx.name})`);
}

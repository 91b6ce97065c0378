/**
 * Fargate task sizes: CPU units to the memory values (MiB) Fargate accepts for them (Amazon ECS
 * Developer Guide, "Amazon ECS task definition parameters for Fargate", Task size: the CPU and
 * memory combinations of Linux tasks). The config schema and TrackingService both check against it.
 */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** Why `cpu`/`memory` is not a Fargate task size, or undefined when it is. */
export function fargateSizeProblem(cpu: number, memory: number): string | undefined {
  const allowed = FARGATE_SIZES[cpu];
  if (!allowed) return `expected a Fargate CPU size: ${Object.keys(FARGATE_SIZES).join(', ')}`;
  if (!allowed.includes(memory)) {
    return `Fargate with ${cpu} CPU units takes ${allowed[0]}-${allowed[allowed.length - 1]} MiB in steps of ${(allowed[1] ?? allowed[0]) - allowed[0]}`;
  }
  return undefined;
}

/** Fargate ephemeral storage a task may request, GiB (ECS API EphemeralStorage.sizeInGiB: 21-200; 20 is the default). */
export const FARGATE_EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TerraformStack } from 'cdktf';
import type { Block, StackJson } from '../policy/types';
import { stackJson, withoutMetadata } from '../stacks/stack-json';
import { parseDeployment } from '../stacks/config/load';
import type { DeploymentConfig } from '../stacks/config/schema';
import { buildApp } from '../stacks/app';

export type { Block };

/** The synthesized Terraform JSON of one stack, with the parts tests read typed. */
export interface Synthesized extends StackJson {
  readonly provider?: Record<string, Block[]>;
  readonly terraform: Block & { backend?: Record<string, Block> };
}

/** Parses YAML text as a deployment config, failing the test with the loader's messages. */
export function configFrom(yamlText: string, source = 'test.yaml'): DeploymentConfig {
  const result = parseDeployment(yamlText, source);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.config;
}

/** Synthesizes one deployment in memory (nothing is written) and returns its JSON. */
export function synth(config: DeploymentConfig): Synthesized {
  const app = buildApp([config]);
  return withoutMetadata(stackJson(app.node.findChild(config.name) as TerraformStack)) as Synthesized;
}

const synthesized = new Map<string, Synthesized>();

/**
 * `synth`, once per config within a test file (jest loads this module afresh for each file): a later
 * call with an equal config returns a deep copy of the first result, so a test may change its copy.
 * For reading the output; tests about synthesis itself (determinism, Aspects) call `synth`.
 */
export function synthOnce(config: DeploymentConfig): Synthesized {
  const key = JSON.stringify(config);
  let json = synthesized.get(key);
  if (!json) {
    json = synth(config);
    synthesized.set(key, json);
  }
  return structuredClone(json);
}

/** Every resource of one type, by name. */
export function resourcesOf(json: Synthesized, type: string): Record<string, Block> {
  return json.resource?.[type] ?? {};
}

/** The only resource of a type; fails when there are none or several. */
export function onlyResource(json: Synthesized, type: string): Block {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** The ECS task definition the service runs (not a scheduled command's, TrackingService.scheduleCommand). */
export function serviceTaskDefinition(json: Synthesized): Block {
  const service = onlyResource(json, 'aws_ecs_service');
  const name = /^\$\{aws_ecs_task_definition\.([^.]+)\.arn\}$/.exec(String(service.task_definition))?.[1];
  const td = name === undefined ? undefined : resourcesOf(json, 'aws_ecs_task_definition')[name];
  if (!td) throw new Error(`the service runs no task definition of this stack: ${String(service.task_definition)}`);
  return td;
}

/** Sorted `type.name` addresses of every resource and data source: the stack's address inventory. */
export function addressInventory(json: Synthesized): string[] {
  const addresses: string[] = [];
  for (const [kind, prefix] of [['resource', ''], ['data', 'data.']] as const) {
    for (const [type, byName] of Object.entries(json[kind] ?? {})) {
      for (const name of Object.keys(byName)) addresses.push(`${prefix}${type}.${name}`);
    }
  }
  return addresses.sort();
}

/** A fresh temporary folder holding the given files. */
export function tempDirWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-test-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The shipped deployment configs. */
export const SHIPPED_CONFIGS: readonly string[] = fs
  .readdirSync(path.join(__dirname, '..', 'config'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/**
 * For snapshots: JSON documents embedded as strings (IAM policies, container definitions, event
 * patterns) are expanded so a reviewer reads a line-by-line diff instead of one long string.
 */
export function expandEmbeddedJson(value: unknown): unknown {
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return { '(embedded JSON)': expandEmbeddedJson(JSON.parse(value)) };
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(expandEmbeddedJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEmbeddedJson(v)]));
  }
  return value;
}

/** The loader's messages for a config that must be rejected; fails the test if it is accepted. */
export function rejectionsOf(yamlText: string, source: string): string[] {
  const result = parseDeployment(yamlText, source);
  if (result.ok) throw new Error(`expected ${source} to be rejected`);
  return result.problems;
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { stringify } from 'yaml';
import { ConfigError, loadDeployments, MAX_CONFIG_BYTES, parseDeployment } from '../stacks/config/load';
import { deploymentSchema } from '../stacks/config/schema';
import { MAX_CONFIG_TAGS } from '../constructs/shared/tags';
import { rejectionsOf, tempDirWith } from './helpers';

/** A small valid AWS governance-free deployment, built here (never from config/*.yaml). */
const BASE = 'name: hostile\nenvironment: dev\ncloud: aws\nregion: eu-west-1\n';

function loadErrors(dir: string): string[] {
  try {
    loadDeployments(dir);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected the configs to be rejected');
}

describe('hostile or oversized configs are refused fast, with one short message naming the file', () => {
  it('the base config is accepted (so each rejection below is caused by its own edit)', () => {
    expect(parseDeployment(BASE, 'ok.yaml').ok).toBe(true);
  });

  it('refuses a file over 1 MB before parsing it', () => {
    const dir = tempDirWith({ 'big.yaml': `${BASE}tags:\n  note: "${'x'.repeat(MAX_CONFIG_BYTES)}"\n` });
    const problems = loadErrors(dir);
    expect(problems).toEqual([expect.stringMatching(/big\.yaml: the file is \d+ bytes, over the 1048576 bytes \(1 MB\) a deployment config may have; not parsed$/)]);
  });

  it('refuses oversized text handed to the parser directly', () => {
    expect(rejectionsOf(`${BASE}#${'x'.repeat(MAX_CONFIG_BYTES)}\n`, 'big.yaml')).toEqual([
      expect.stringMatching(/^big\.yaml: the file is \d+ bytes, over the/),
    ]);
  });

  it('refuses a YAML alias bomb, naming the file', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [prev, next] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']]) {
      levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const bomb = `${BASE}tags:\n  x: y\nbomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    expect(rejectionsOf(bomb, 'bomb.yaml')).toEqual([
      'bomb.yaml: invalid YAML: aliases expand too much (more than 100); a deployment config needs no aliases',
    ]);
  });

  it.each(['!!js/function "function () { return 1 }"', '!!js/undefined ""', '!custom value', '!!binary aGVsbG8='])(
    'rejects the custom YAML tag in %s instead of reading it as a string',
    (tagged) => {
      const problems = rejectionsOf(`${BASE}tags:\n  owner: ${tagged}\n`, 'tagged.yaml');
      expect(problems).toEqual([expect.stringMatching(/^tagged\.yaml:6:\d+: invalid YAML: custom tags are not allowed \(plain YAML values only\)$/)]);
    },
  );

  it.each(['__proto__', 'constructor', 'prototype'])('rejects a %s key instead of dropping it', (key) => {
    expect(rejectionsOf(`${BASE}network:\n  ${key}:\n    vpcCidr: 0.0.0.0/0\n`, 'proto.yaml')).toEqual([
      `proto.yaml: network.${key}: the key "${key}" is not allowed (it would reach object prototypes)`,
    ]);
    expect(rejectionsOf(`${BASE}${key}: {}\n`, 'proto.yaml')).toEqual([`proto.yaml: ${key}: the key "${key}" is not allowed (it would reach object prototypes)`]);
    // In a free-form mapping (tags) the key used to be dropped (__proto__) or kept (constructor) without a word.
    expect(rejectionsOf(`${BASE}tags:\n  ${key}: x\n  owner: ml\n`, 'proto.yaml')).toEqual([
      `proto.yaml: tags.${key}: the key "${key}" is not allowed (it would reach object prototypes)`,
    ]);
  });

  it(`accepts ${MAX_CONFIG_TAGS} tags and refuses more: with the platform's own tags no resource exceeds 50`, () => {
    const tags = (n: number) => `tags:\n${Array.from({ length: n }, (_, i) => `  t${i}: v\n`).join('')}`;
    expect(parseDeployment(`${BASE}${tags(MAX_CONFIG_TAGS)}`, 'tags.yaml').ok).toBe(true);
    expect(rejectionsOf(`${BASE}${tags(MAX_CONFIG_TAGS + 1)}`, 'tags.yaml')).toEqual([
      'tags.yaml: tags: expected at most 45 tags: AWS and Azure allow 50 per resource and the platform adds up to 5 (deployment, environment, managed-by, Name, tier)',
    ]);
  });

  it('quotes at most a short prefix of a huge bad value', () => {
    const huge = 'x'.repeat(900_000);
    const problems = rejectionsOf(`${BASE.replace('region: eu-west-1', `region: ${huge}`)}`, 'huge.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^huge\.yaml: region: expected an AWS region such as eu-west-1, got "x{60}"… \(900000 characters\)$/);
  });

  it('shortens a huge unknown key and caps the number of problems', () => {
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}${'y'.repeat(10_000)}: 1\n`).join('');
    const problems = rejectionsOf(`${BASE}${keys}`, 'keys.yaml');
    expect(problems.join('\n').length).toBeLessThan(20_000);
    expect(problems[problems.length - 1]).toBe('keys.yaml: ... and 80 more problems');
  });
});

// ---------- no config string becomes a Terraform expression ----------

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
};

/** A key the walk uses for record entries; `KEY_SLOT` marks a record key itself as the string under test. */
const RECORD_KEY = 'somekey';
const KEY_SLOT = Symbol('record key');
type Slot = string | number | typeof KEY_SLOT;

/** Every path to a string of the config schema (values, list items, record values and record keys), from the JSON Schema. */
function stringPaths(schema: JsonSchema, at: Slot[] = [], out: Slot[][] = []): Slot[][] {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string') || typeof schema.const === 'string' || schema.enum?.some((e) => typeof e === 'string')) out.push(at);
  for (const sub of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) stringPaths(sub, at, out);
  for (const [key, sub] of Object.entries(schema.properties ?? {})) stringPaths(sub, [...at, key], out);
  if (schema.items) stringPaths(schema.items, [...at, 0], out);
  if (typeof schema.additionalProperties === 'object') {
    stringPaths(schema.additionalProperties, [...at, RECORD_KEY], out);
    if (schema.propertyNames) out.push([...at, KEY_SLOT]);
  }
  return out;
}

/** A config with `value` at `slots` (the rest of the config does not matter: the check runs before validation). */
function configWith(slots: Slot[], value: string): { text: string; reported: string } {
  const root: Record<string, unknown> = { name: 'hostile', environment: 'dev', cloud: 'aws', region: 'eu-west-1' };
  let node: Record<string | number, unknown> = root;
  const reported: string[] = [];
  slots.forEach((slot, i) => {
    if (slot === KEY_SLOT) {
      reported.push(`.${value}`);
      node[value] = 'v';
      return;
    }
    reported.push(typeof slot === 'number' ? `[${slot}]` : `${i === 0 ? '' : '.'}${slot}`);
    if (i === slots.length - 1) node[slot] = value;
    else {
      const next = typeof slots[i + 1] === 'number' ? [] : {};
      node[slot] = next;
      node = next as Record<string | number, unknown>;
    }
  });
  return { text: stringify(root), reported: reported.join('') };
}

describe('no config string may become a Terraform expression', () => {
  const schema = z.toJSONSchema(deploymentSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const paths = stringPaths(schema);
  const unique = [...new Map(paths.map((p) => [p.map(String).join('/'), p])).values()];

  it('the walk finds the string fields of the schema (so the test below is not vacuous)', () => {
    const names = unique.map((p) => p.map((s) => (s === KEY_SLOT ? '<key>' : String(s))).join('.'));
    expect(names).toEqual(
      expect.arrayContaining([
        'tags.somekey',
        'tags.<key>',
        'databricks.host',
        'databricks.unityCatalog.storageRoot',
        'network.existing.vpcCidr',
        'suppressions.0.reason',
        'backend.bucket',
        'tracking.image',
      ]),
    );
    expect(unique.length).toBeGreaterThan(60);
  });

  it.each(['${file("/etc/passwd")}', '%{ for x in ["a"] }${x}%{ endfor }', 'prefix-${var.x}'])(
    'every string field of the schema rejects %s, naming the file and the field',
    (payload) => {
      for (const slots of unique) {
        const { text, reported } = configWith(slots, payload);
        const problems = rejectionsOf(text, 'deployments/evil.yaml');
        const sequence = payload.startsWith('%') ? '%{' : '${';
        expect(problems).toContainEqual(
          expect.stringContaining(`deployments/evil.yaml: ${reported}: "${sequence}" is not allowed in config values (Terraform would evaluate it as an expression)`),
        );
      }
    },
  );

  it('a tag value ${file(...)} no longer synthesizes (it used to pass the policy pack)', () => {
    expect(rejectionsOf(`${BASE}tags:\n  owner: \${file("/etc/passwd")}\n`, 'deployments/evil.yaml')).toEqual([
      'deployments/evil.yaml: tags.owner: "${" is not allowed in config values (Terraform would evaluate it as an expression), got "${file(\\"/etc/passwd\\")}"',
    ]);
  });

  it('plain dollar signs and percent signs stay allowed', () => {
    expect(parseDeployment(`${BASE}tags:\n  cost: "$100 = 100%"\n`, 'ok.yaml').ok).toBe(true);
  });
});

it('the shipped example configs stay small', () => {
  for (const f of fs.readdirSync('config').filter((n) => n.endsWith('.yaml'))) {
    expect(fs.statSync(path.join('config', f)).size).toBeLessThan(MAX_CONFIG_BYTES);
  }
});

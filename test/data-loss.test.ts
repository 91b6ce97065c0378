import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDeployments } from '../stacks/config/load';
import { DATA_BEARING_TYPES } from '../policy';
import { SHIPPED_CONFIGS, addressInventory, synth } from './helpers';
import { missingProtectedMessage } from './protected-addresses';

const PINNED_FILE = path.join(__dirname, 'protected-addresses.json');
const pinned = JSON.parse(fs.readFileSync(PINNED_FILE, 'utf8')) as Record<string, string[]>;
const stacks = SHIPPED_CONFIGS.map((file) => {
  const [config] = loadDeployments(path.join('config', file));
  return { config, json: synth(config) };
});

/**
 * The addresses of data-bearing resources are pinned in a hand-maintained file, not a snapshot:
 * `jest -u` cannot wave a replaced database through. When a change here is intended, keep the
 * resource with a `moved` block (README, "Moving a resource on purpose") and edit the file by hand.
 */
describe.each(stacks.map((s) => [s.config.name, s] as const))('data-bearing addresses of %s', (name, { json }) => {
  // Adding a data-bearing resource (a new model, a new team folder) is a valid config edit; losing
  // or renaming a pinned one is not. New addresses are pinned by hand when they matter.
  it('include every pinned one (a changed address destroys and re-creates the resource)', () => {
    const current = new Set(addressInventory(json).filter((a) => DATA_BEARING_TYPES.includes(a.split('.')[0])));
    const missing = (pinned[name] ?? []).filter((a) => !current.has(a));
    // A thrown message (not a structural diff) so the failure says which file to edit and when.
    if (missing.length > 0) throw new Error(missingProtectedMessage(name, missing));
  });
});

it('a missing pinned address fails with the file, the addresses and what to do when the removal is intended', () => {
  const message = missingProtectedMessage('aws-prod', ['aws_db_instance.database', 'aws_s3_bucket.artifacts']);
  expect(message).toContain('test/protected-addresses.json');
  expect(message).toContain('  - aws_db_instance.database\n  - aws_s3_bucket.artifacts');
  expect(message).toContain("If this removal is intended and approved (the review's DATA LOSS), remove these entries");
  expect(message).toContain('in the same pull request');
  expect(message).toContain('Moving a resource on purpose');
});

it('pins no stack that is no longer shipped', () => {
  expect(Object.keys(pinned).sort()).toEqual(stacks.map((s) => s.config.name).sort());
});

describe.each(stacks.filter((s) => !s.config.production).map((s) => [s.config.name, s.json] as const))(
  'non-production %s',
  (_name, json) => {
    it('can be destroyed cleanly: no prevent_destroy, deletion protection, delete locks or bucket deletion denials', () => {
      const text = JSON.stringify(json);
      expect(text).not.toContain('"prevent_destroy":true');
      expect(text).not.toContain('"deletion_protection":true');
      expect(text).not.toContain('"enable_deletion_protection":true');
      expect(text).not.toContain('DenyBucketDeletion');
      expect(json.resource?.azurerm_management_lock).toBeUndefined();
      for (const db of Object.values(json.resource?.aws_db_instance ?? {})) expect(db.skip_final_snapshot).toBe(true);
    });
  },
);

import * as path from 'node:path';
import { loadDeployments } from '../stacks/config/load';
import { SHIPPED_CONFIGS, addressInventory, synth } from './helpers';

/**
 * The address inventory of every shipped stack, as its own small snapshot: a changed address
 * means Terraform destroys and re-creates that resource, so a rename must stand out in review.
 * Move a resource on purpose with a `moved` block (see README, "Moving a resource").
 */
describe.each(SHIPPED_CONFIGS)('shipped config %s', (file) => {
  it('keeps its resource addresses', () => {
    const [config] = loadDeployments(path.join('config', file));
    expect(addressInventory(synth(config))).toMatchSnapshot();
  });
});

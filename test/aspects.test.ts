import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type App, Aspects, TerraformResource, TerraformStack, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import { buildApp, checkPolicies, PolicyError } from '../stacks/app';
import { stackJson } from '../stacks/stack-json';
import { configFrom, type Synthesized } from './helpers';
import { AWS_DEV } from './fixtures/configs';

const config = (name: string) => configFrom(AWS_DEV.replace(/^name: .*$/m, `name: ${name}`), `${name}.yaml`);

/** Adds tags to every S3 bucket, the way a team's own compliance Aspect would. */
class TagBuckets implements IAspect {
  constructor(private readonly tags: Record<string, string>) {}
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource) || node.terraformResourceType !== 'aws_s3_bucket') return;
    for (const [key, value] of Object.entries(this.tags)) node.addOverride(`tags.${key}`, value);
  }
}

/** cdktf invokes Aspects from each stack down (not from the App), so they go on the stacks. */
const addToStacks = (app: App, aspect: IAspect) => app.node.children.filter(TerraformStack.isStack).forEach((s) => Aspects.of(s).add(aspect));

const bucketsOf = (json: Synthesized) => Object.values(json.resource?.aws_s3_bucket ?? {});

// runPlatform's own order: build, policy pass, app.synth().
describe('Aspects: the policy pass and the written cdk.tf.json see the same JSON', () => {
  afterEach(() => jest.restoreAllMocks());

  it('an Aspect added after the stacks are built reaches the policy pass and the written file; the JSON is computed once per stack', () => {
    const deployments = [config('one'), config('two')];
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-aspects-'));
    const app = buildApp(deployments, { outdir });
    const aspect = new TagBuckets({ 'compliance-scan': 'seen' });
    addToStacks(app, aspect);
    const computed = jest.spyOn(TerraformStack.prototype, 'toTerraform');

    checkPolicies(app, deployments);
    const checked = deployments.map((d) => stackJson(app.node.findChild(d.name) as TerraformStack) as Synthesized);
    app.synth();

    for (const [i, d] of deployments.entries()) {
      expect(bucketsOf(checked[i]).length).toBeGreaterThan(0);
      for (const bucket of bucketsOf(checked[i])) expect(bucket.tags).toMatchObject({ 'compliance-scan': 'seen' });
      const written = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', d.name, 'cdk.tf.json'), 'utf8')) as Synthesized;
      expect(bucketsOf(written)).toEqual(bucketsOf(checked[i]));
    }
    expect(computed).toHaveBeenCalledTimes(deployments.length);
  });

  it('a violation that only an Aspect introduces fails the policy pass (MLP-TAG-1, too many tags)', () => {
    const deployments = [config('one')];
    const app = buildApp(deployments, { outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-aspects-')) });
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`extra-${i}`, 'x']));
    addToStacks(app, new TagBuckets(many));
    expect(() => checkPolicies(app, deployments)).toThrow(PolicyError);
    expect(() => checkPolicies(app, deployments)).toThrow(/MLP-TAG-1/);
  });

  it('without the policy pass, app.synth() alone still writes the Aspect', () => {
    const deployments = [config('one')];
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-aspects-'));
    const app = buildApp(deployments, { outdir });
    addToStacks(app, new TagBuckets({ 'compliance-scan': 'seen' }));
    app.synth();
    const written = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'one', 'cdk.tf.json'), 'utf8')) as Synthesized;
    for (const bucket of bucketsOf(written)) expect(bucket.tags).toMatchObject({ 'compliance-scan': 'seen' });
  });
});

import { configFrom, rejectionsOf } from './helpers';
import { AWS_DEV, edit } from './fixtures/configs';

/**
 * network.natGateways: none leaves the private task subnets with interface endpoints only (ECR, Logs,
 * Secrets Manager, KMS, STS): Fargate cannot pull from ghcr.io there, so the config must name an ECR image.
 */
const noNat = edit(AWS_DEV, 'vpcCidr: 10.20.0.0/16', 'vpcCidr: 10.20.0.0/16\n  natGateways: none\n  taskSubnets: private');
const withImage = (image: string) => edit(noNat, '  minTasks: 1', `  image: ${image}\n  minTasks: 1`);

describe('the MLflow image must be reachable from the task subnets', () => {
  it('rejects natGateways none with the default ghcr.io image, naming the fields and the ways out', () => {
    const problems = rejectionsOf(noNat, 'x.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^x\.yaml: tracking\.image: with network\.natGateways: none .*mirror the image into Amazon ECR .*set tracking\.image.*network\.natGateways to single or per-az.*got "ghcr\.io\/mlflow\/mlflow:v3\.17\.0-full"/);
  });

  it('rejects another public registry too', () => {
    expect(rejectionsOf(withImage('docker.io/example/mlflow:3.17.0'), 'x.yaml')[0]).toMatch(/^x\.yaml: tracking\.image: /);
  });

  it.each(['123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlflow:v3.17.0-full', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/mlflow:v3.17.0-full'])('accepts an ECR image: %s', (image) => {
    expect(configFrom(withImage(image))).toBeDefined();
  });

  it('accepts the default image with a NAT gateway', () => {
    expect(configFrom(AWS_DEV)).toBeDefined();
  });
});

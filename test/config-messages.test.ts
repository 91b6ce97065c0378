import { rejectionsOf } from './helpers';
import { AWS_DEV, AZURE_DEV, DBX_UNITY_CATALOG, edit } from './fixtures/configs';

const problems = (text: string) => rejectionsOf(text, 'x.yaml');

describe('config messages at the layer the user edits', () => {
  it('name each missing section of the tracking platform', () => {
    const onlyDatabase = 'name: t\nenvironment: dev\ncloud: azure\nlocation: westeurope\ndatabase: {}\ntracking: {}\n';
    expect(problems(onlyDatabase)).toEqual([
      'x.yaml: artifacts: the tracking platform needs the database, artifacts and tracking sections together: add artifacts (`artifacts: {}` takes the defaults), got nothing',
    ]);
  });

  it.each([
    ['an AWS engineVersion: 16', edit(AWS_DEV, 'engineVersion: "16"', 'engineVersion: 16'), 'x.yaml: database.engineVersion: YAML reads 16 as a number, not text; quote it: engineVersion: "16"'],
    ['an Azure version: 16', edit(AZURE_DEV, 'version: "16"', 'version: 16'), 'x.yaml: database.version: YAML reads 16 as a number, not text; quote it: version: "16"'],
    [
      'a workspaceId beyond 2^53 (rounded)',
      edit(DBX_UNITY_CATALOG, 'workspaceId: "1234567890123456"', 'workspaceId: 1234567890123456789'),
      'x.yaml: databricks.unityCatalog.account.workspaceId: YAML reads 1234567890123456789 as the number 1234567890123456800, not text; quote it: workspaceId: "1234567890123456789"',
    ],
    ['a short workspaceId', edit(DBX_UNITY_CATALOG, 'workspaceId: "1234567890123456"', 'workspaceId: 1234567890123456'), 'x.yaml: databricks.unityCatalog.account.workspaceId: YAML reads 1234567890123456 as a number, not text; quote it: workspaceId: "1234567890123456"'],
  ])('get a "quote it" hint for an unquoted number: %s', (_what, yaml, message) => {
    expect(problems(yaml)).toEqual([message]);
  });

  it('give no quote hint when quoting would not make the value valid', () => {
    expect(problems(edit(AWS_DEV, 'engineVersion: "16"', 'engineVersion: 16.10'))).toEqual([
      'x.yaml: database.engineVersion: expected a PostgreSQL major version: 14, 15, 16 or 17 (RDS applies minor versions automatically), got 16.1',
    ]);
  });

  it('reject an ACM certificate from another region than the load balancer', () => {
    const other = edit(AWS_DEV, 'arn:aws:acm:eu-west-1:', 'arn:aws:acm:us-east-1:');
    expect(problems(other)).toEqual([
      'x.yaml: tracking.loadBalancer.certificateArn: the load balancer in eu-west-1 needs an ACM certificate from eu-west-1, this one is in us-east-1; request or import the certificate in eu-west-1, got "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222"… (83 characters)',
    ]);
  });
});

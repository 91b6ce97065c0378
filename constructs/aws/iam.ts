import type { Construct } from 'constructs';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';

/** One IAM policy statement. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;
}

/** An IAM policy document as JSON (tokens inside resolve at synth). */
export function policyJson(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** A trust policy that lets an AWS service assume a role, optionally only for this account. */
export function serviceTrust(service: string, accountId?: string): string {
  return policyJson([
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      ...(accountId ? { Condition: { StringEquals: { 'aws:SourceAccount': accountId } } } : {}),
    },
  ]);
}

/** Anything that can receive an inline policy: a role we create. */
export interface IGrantable {
  readonly role: IamRole;
}

/** Adds an inline policy to a role; `id` names it within `scope`. */
export function addPolicy(scope: Construct, id: string, grantee: IGrantable, statements: readonly PolicyStatement[]): IamRolePolicy {
  return new IamRolePolicy(scope, id, { role: grantee.role.name, name: id, policy: policyJson(statements) });
}

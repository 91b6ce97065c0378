import { Construct } from 'constructs';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association';

/** WAF rate-based rules count requests per evaluation window; these are the windows WAF accepts (seconds). */
/** Requests per client IP per 5 minutes: a busy training job logs well below this; a password guesser is stopped. */
export const DEFAULT_RATE_LIMIT = 2000;

export const WAF_EVALUATION_WINDOWS = [60, 120, 300, 600] as const;

export interface RateLimitedWebAclProps {
  /** Name of the web ACL (and its CloudWatch metrics). */
  readonly name: string;
  /** ARN of the regional resource to protect (an Application Load Balancer). */
  readonly resourceArn: string;
  /**
   * Requests one client IP may send per evaluation window before WAF blocks it until its rate drops.
   * @default DEFAULT_RATE_LIMIT (2000)
   */
  readonly limit?: number;
  /** The evaluation window in seconds: 60, 120, 300 or 600. @default 300 */
  readonly evaluationWindowSec?: (typeof WAF_EVALUATION_WINDOWS)[number];
}

/**
 * A regional WAF web ACL that blocks any client IP over a request rate, associated with a load
 * balancer. MLflow's basic auth has no lockout and each failed login costs the server a password
 * hash: the rate limit bounds both guessing and that cost. Everything else is allowed (the server
 * authenticates every request itself).
 *
 * Upstream: hashicorp/terraform-provider-aws website/docs/r/wafv2_web_acl.html.markdown
 * ("Rate Based" example: rule.action.block, statement.rate_based_statement.limit / aggregate_key_type)
 * and wafv2_web_acl_association.html.markdown (resource_arn, web_acl_arn), provider 6.25.
 */
export class RateLimitedWebAcl extends Construct {
  public readonly webAclArn: string;
  public readonly limit: number;

  constructor(scope: Construct, id: string, props: RateLimitedWebAclProps) {
    super(scope, id);
    this.limit = props.limit ?? DEFAULT_RATE_LIMIT;
    const metric = (suffix: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName: `${props.name}${suffix}`,
      sampledRequestsEnabled: true,
    });
    const acl = new Wafv2WebAcl(this, 'web-acl', {
      name: props.name,
      description: 'MLflow tracking: per-IP rate limit',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rule: [
        {
          name: 'rate-limit-per-ip',
          priority: 1,
          action: { block: {} },
          // `statement` is untyped in the bindings (recursive schema): Terraform's own argument names.
          statement: {
            rate_based_statement: {
              limit: this.limit,
              aggregate_key_type: 'IP',
              evaluation_window_sec: props.evaluationWindowSec ?? 300,
            },
          },
          visibilityConfig: metric('-rate-limit'),
        },
      ],
      visibilityConfig: metric(''),
    });
    this.webAclArn = acl.arn;
    new Wafv2WebAclAssociation(this, 'association', { resourceArn: props.resourceArn, webAclArn: acl.arn });
  }
}

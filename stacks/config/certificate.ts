import type { z } from 'zod';

/** The region of an ACM certificate ARN (`arn:aws:acm:<region>:<account>:certificate/<id>`), if it has one. */
export const acmRegion = (arn: string): string | undefined => /^arn:aws[a-z-]*:acm:([a-z0-9-]+):/.exec(arn)?.[1];

/**
 * An Application Load Balancer takes its certificate from ACM in its own region: AWS docs, "ACM
 * certificate characteristics" / Elastic Load Balancing ("you must request or import the certificate
 * in the same Region as your load balancer"); only CloudFront uses us-east-1 certificates.
 * Terraform would otherwise fail at apply with CertificateNotFound.
 */
export function checkCertificateRegion(region: string, certificateArn: string | undefined, ctx: z.RefinementCtx): void {
  const certRegion = certificateArn && acmRegion(certificateArn);
  // An invalid region has its own message; comparing with it would only add noise.
  if (certRegion && certRegion !== region && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    ctx.addIssue({
      code: 'custom',
      path: ['tracking', 'loadBalancer', 'certificateArn'],
      message: `the load balancer in ${region} needs an ACM certificate from ${region}, this one is in ${certRegion}; request or import the certificate in ${region}`,
      input: certificateArn,
    });
  }
}

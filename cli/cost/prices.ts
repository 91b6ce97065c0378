import { PRICE_TABLE } from './price-table';

export { PRICE_TABLE } from './price-table';
export { FREE_GRANTS, UnknownRegionError, awsRegionPrices, azureRegionPrices } from './price-types';
export type { AwsOperationsPrices, AwsRegionPrices, AzureOperationsPrices, AzureRegionPrices, PriceTable } from './price-types';

/** Where the committed prices come from and when they were checked: printed with every estimate. */
export const PRICE_TABLE_SOURCE = `${PRICE_TABLE.source} Checked ${PRICE_TABLE.checked}`;

export const HOURS_PER_MONTH = 730;

/**
 * Usage the synthesized stack cannot know: stated with every estimate. These may grow, never shrink
 * to make an estimate look better.
 */
export const USAGE_ASSUMPTIONS = {
  /** Artifacts stored, GB. */
  artifactGb: 100,
  /** Logs ingested a month, GB (all log groups / the workspace together). */
  logsGbMonth: { production: 20, other: 5 },
  /**
   * Share of those logs that is the tracking server's console output (Azure ContainerAppConsoleLogs:
   * the access log of every request and the server's own log); the rest is system, database, Key
   * Vault and storage logs and metrics. Used to price a console table on the Basic plan.
   */
  consoleLogShare: 0.75,
  /** Data through NAT gateways a month, GB. */
  natGbMonth: { production: 50, other: 10 },
  /** Application Load Balancer capacity units used on average. */
  albLcu: 1,
  /** HTTP requests a month to the tracking server, millions (Container Apps bills requests beyond its free grant). */
  requestsMillionMonth: { production: 5, other: 1 },
  /** Hours a month an app that scales to zero runs replicas: 8 h on 22 workdays. */
  scaleToZeroActiveHours: 176,
  /** Aurora storage, GB (the cluster resource has no size). */
  auroraStorageGb: 20,
  /** How long the daily mlflow gc job runs, minutes. */
  gcMinutesPerDay: 15,
};

/** Managed alternatives for comparison (README). Prices: us-east-1 / list, checked as stated in `source`. */
export const MANAGED_ALTERNATIVES = [
  {
    name: 'Amazon SageMaker managed MLflow, Small tracking server (up to about 25 users)',
    monthly: 0.642 * HOURS_PER_MONTH,
    note: 'always-on tracking server billed per hour (Small ≈ $0.64/h in us-east-1, the figure of the 2025-06 table; Medium and Large are larger multiples) plus metadata storage; artifacts in your S3 bucket billed separately',
    source: 'https://aws.amazon.com/sagemaker/ai/pricing/ (MLflow tab), as known to the author on 2026-11-23; not re-fetched',
  },
  {
    name: 'Amazon SageMaker serverless MLflow (MLflow Apps)',
    monthly: 0,
    note: 'no hourly server: billed by use; you still pay for S3 artifacts; check the current per-request and storage rates before comparing',
    source: 'https://aws.amazon.com/sagemaker/ai/pricing/ (MLflow tab), as known to the author on 2026-11-23; not re-fetched',
  },
  {
    name: 'Azure Machine Learning workspace as MLflow tracking server',
    monthly: 0,
    note: 'no charge of its own: you pay the workspace storage account, Key Vault, container registry (Basic ≈ $5/month) and Application Insights / Log Analytics it creates',
    source: 'https://azure.microsoft.com/pricing/details/machine-learning/ and learn.microsoft.com/azure/machine-learning/concept-mlflow, 2026-11-23; not re-fetched',
  },
  {
    name: 'Databricks-managed MLflow',
    monthly: 0,
    note: 'included with a Databricks workspace: no separate MLflow charge; compute billed as DBUs plus cloud VMs, storage in your account',
    source: 'https://www.databricks.com/product/managed-mlflow and https://www.databricks.com/product/pricing, 2026-11-23; not re-fetched',
  },
] as const;

/**
 * Resource types that hold data or guard access to it: replacing one loses data (or the key to it).
 * Their addresses are pinned in test/protected-addresses.json.
 */
export const DATA_BEARING_TYPES: readonly string[] = [
  'aws_db_instance',
  'aws_rds_cluster',
  'aws_s3_bucket',
  'aws_kms_key',
  'aws_secretsmanager_secret',
  // Logs are evidence (MLP-LOG-1 keeps them 365 days in production); replacing a log group deletes them.
  'aws_cloudwatch_log_group',
  'azurerm_postgresql_flexible_server',
  'azurerm_postgresql_flexible_server_database',
  'azurerm_storage_account',
  'azurerm_storage_container',
  'azurerm_key_vault',
  'azurerm_databricks_workspace',
  'databricks_directory',
  'databricks_mlflow_model',
  'databricks_registered_model',
  'databricks_catalog',
  'databricks_schema',
];

/**
 * The data-bearing types whose production instances carry a destroy guard (MLP-DATA-1): lifecycle
 * prevent_destroy plus the provider-side guard (RDS deletion protection and a final snapshot, an S3
 * policy denying DeleteBucket, an Azure CanNotDelete lock). A subset of DATA_BEARING_TYPES: the
 * others (keys, secrets, containers, Databricks objects) sit inside a guarded parent or have their
 * own recovery window.
 */
export const PRODUCTION_GUARDED_TYPES: readonly string[] = [
  'aws_db_instance',
  'aws_rds_cluster',
  'aws_s3_bucket',
  'azurerm_postgresql_flexible_server',
  'azurerm_storage_account',
  'azurerm_key_vault',
  'azurerm_databricks_workspace',
];

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

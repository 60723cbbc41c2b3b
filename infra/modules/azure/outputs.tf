output "resource_group_name" {
  description = "Resource group holding every resource."
  value       = azurerm_resource_group.this.name
}

output "storage_account_name" {
  description = "Storage account holding the flow logs (verify-resources --storage)."
  value       = azurerm_storage_account.logs.name
}

output "container_name" {
  description = "Blob container holding the flow logs (verify-resources --container)."
  value       = azurerm_storage_container.logs.name
}

output "acr_login_server" {
  description = "Login server of the container registry (docker push target)."
  value       = azurerm_container_registry.this.login_server
}

output "acr_name" {
  description = "Name of the container registry (az acr login --name)."
  value       = azurerm_container_registry.this.name
}

output "aci_name" {
  description = "Name of the container group (verify-resources --service; null when deploy_service is false)."
  value       = one(azurerm_container_group.app[*].name)
}

output "aci_fqdn" {
  description = "Public FQDN of the dashboard, http://<fqdn>:8050 (null when deploy_service is false)."
  value       = one(azurerm_container_group.app[*].fqdn)
}

output "identity_client_id" {
  description = "Client id of the app's user-assigned managed identity."
  value       = azurerm_user_assigned_identity.app.client_id
}

output "key_vault_uri" {
  description = "URI of the Key Vault holding the auth token (null when enable_key_vault is false)."
  value       = one(azurerm_key_vault.this[*].vault_uri)
}

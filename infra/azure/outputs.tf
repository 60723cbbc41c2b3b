output "storage_account_name" {
  description = "Storage account holding the flow logs."
  value       = module.networkflow.storage_account_name
}

output "container_name" {
  description = "Blob container holding the flow logs."
  value       = module.networkflow.container_name
}

output "acr_login_server" {
  description = "Login server of the container registry."
  value       = module.networkflow.acr_login_server
}

output "aci_fqdn" {
  description = "Public FQDN of the dashboard (http://<fqdn>:8050)."
  value       = module.networkflow.aci_fqdn
}

output "resource_group_name" {
  description = "Resource group holding every resource (verify-resources --resource-group)."
  value       = module.networkflow.resource_group_name
}

output "acr_name" {
  description = "Registry name (az acr login --name)."
  value       = module.networkflow.acr_name
}

output "service_name" {
  description = "Container group name (verify-resources --service)."
  value       = module.networkflow.aci_name
}

output "image_tag" {
  description = "Image tag the container group runs (CI reuses it to keep the running image on infrastructure-only applies)."
  value       = var.image_tag
}

variable "subscription_id" {
  type        = string
  description = "Azure subscription to deploy into (null: ARM_SUBSCRIPTION_ID from the environment)."
  default     = null
}

variable "name_prefix" {
  type        = string
  description = "Prefix for resource names (lowercase letters and digits, 3-12 characters)."
  default     = "networkflow"
}

variable "location" {
  type        = string
  description = "Azure region for every resource."
  default     = "westeurope"
}

variable "resource_group_name" {
  type        = string
  description = "Resource group to create (default: <name_prefix>-rg)."
  default     = null
}

variable "log_container_name" {
  type        = string
  description = "Blob container holding the flow logs."
  default     = "flowlogs"
}

variable "storage_replication_type" {
  type        = string
  description = "Replication of the log storage account."
  default     = "LRS"
}

variable "acr_sku" {
  type        = string
  description = "SKU of the Azure Container Registry."
  default     = "Basic"
}

variable "image_name" {
  type        = string
  description = "Repository name of the networkflow image in the registry."
  default     = "networkflow"
}

variable "deploy_service" {
  type        = bool
  description = "Create the container service. Set false for the very first apply, before any image is in the new registry (the service cannot start without one), then push the image and apply again with true."
  default     = true
}

variable "image_tag" {
  type        = string
  description = "Tag of the image to run (CI passes the commit SHA)."
  default     = "latest"
}

variable "cpu" {
  type        = number
  description = "vCPUs for the container instance."
  default     = 1
}

variable "memory_gb" {
  type        = number
  description = "Memory (GB) for the container instance."
  default     = 2
}

variable "dns_name_label" {
  type        = string
  description = "DNS label of the container instance's public IP (default: <name_prefix>-<random suffix>)."
  default     = null
}

variable "watch_interval" {
  type        = string
  description = "NETWORKFLOW_WATCH: how often to re-read the container for new logs (empty: no watching)."
  default     = "5m"
}

variable "auth_token" {
  type        = string
  description = "Bearer token protecting the dashboard (NETWORKFLOW_AUTH_TOKEN); set TF_VAR_auth_token from a secret."
  sensitive   = true
}

variable "enable_key_vault" {
  type        = bool
  description = "Also store the auth token in a Key Vault readable by the app's identity."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Extra tags merged over the defaults (app = networkflow, managed-by = terraform)."
  default     = {}
}

variable "grant_deployer_blob_read" {
  type        = bool
  description = "Give the identity running Terraform Storage Blob Data Reader on the log account (what verify-resources needs to list the container)."
  default     = true
}

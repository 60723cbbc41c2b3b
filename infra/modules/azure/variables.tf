variable "name_prefix" {
  type        = string
  description = "Prefix for resource names (lowercase letters and digits, 3-12 characters); a random suffix keeps global names unique."
  default     = "networkflow"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,11}$", var.name_prefix))
    error_message = "name_prefix must be 3-12 lowercase letters or digits, starting with a letter."
  }
}

variable "location" {
  type        = string
  description = "Azure region for every resource."
  default     = "westeurope"
}

variable "resource_group_name" {
  type        = string
  description = "Name of the resource group to create (default: <name_prefix>-rg)."
  default     = null
}

variable "log_container_name" {
  type        = string
  description = "Blob container holding the flow logs the dashboard ingests."
  default     = "flowlogs"

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$", var.log_container_name))
    error_message = "log_container_name must be a valid blob container name (3-63 lowercase letters, digits, single hyphens)."
  }
}

variable "storage_replication_type" {
  type        = string
  description = "Replication of the log storage account (LRS, ZRS, GRS, ...)."
  default     = "LRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS."
  }
}

variable "acr_sku" {
  type        = string
  description = "SKU of the Azure Container Registry."
  default     = "Basic"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.acr_sku)
    error_message = "acr_sku must be Basic, Standard or Premium."
  }
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
  description = "DNS label of the container instance's public IP (default: <name_prefix>-<suffix>); the FQDN is <label>.<region>.azurecontainer.io."
  default     = null
}

variable "watch_interval" {
  type        = string
  description = "NETWORKFLOW_WATCH: how often the dashboard re-reads the container for new logs (empty: no watching)."
  default     = "5m"
}

variable "auth_token" {
  type        = string
  description = "Bearer token protecting the dashboard and API (NETWORKFLOW_AUTH_TOKEN). Pass through TF_VAR_auth_token, never a file in git."
  sensitive   = true

  validation {
    condition     = length(var.auth_token) >= 16
    error_message = "auth_token must be at least 16 characters."
  }
}

variable "enable_key_vault" {
  type        = bool
  description = "Create a Key Vault (RBAC mode) holding the auth token, readable by the app's managed identity."
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

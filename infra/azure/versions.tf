terraform {
  required_version = ">= 1.10"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.9"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.0"
    }
  }

  # Partial configuration: resource_group_name, storage_account_name and container_name come from
  # `terraform init -backend-config=backend.hcl` (see backend.hcl.example). State is locked with a blob lease.
  backend "azurerm" {
    key              = "networkflow/azure.tfstate"
    use_azuread_auth = true
  }
}

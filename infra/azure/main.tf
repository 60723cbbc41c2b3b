provider "azurerm" {
  features {
    key_vault {
      purge_soft_delete_on_destroy = false
    }
  }
  subscription_id = var.subscription_id
}

module "networkflow" {
  source = "../modules/azure"

  name_prefix              = var.name_prefix
  location                 = var.location
  resource_group_name      = var.resource_group_name
  log_container_name       = var.log_container_name
  storage_replication_type = var.storage_replication_type
  acr_sku                  = var.acr_sku
  image_name               = var.image_name
  deploy_service           = var.deploy_service
  image_tag                = var.image_tag
  cpu                      = var.cpu
  memory_gb                = var.memory_gb
  dns_name_label           = var.dns_name_label
  watch_interval           = var.watch_interval
  auth_token               = var.auth_token
  enable_key_vault         = var.enable_key_vault
  grant_deployer_blob_read = var.grant_deployer_blob_read
  tags                     = var.tags
}

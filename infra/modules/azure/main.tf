locals {
  tags = merge({ app = "networkflow", managed-by = "terraform" }, var.tags)

  suffix              = random_string.suffix.result
  resource_group_name = coalesce(var.resource_group_name, "${var.name_prefix}-rg")
  dns_name_label      = coalesce(var.dns_name_label, "${var.name_prefix}-${local.suffix}")
  image               = "${azurerm_container_registry.this.login_server}/${var.image_name}:${var.image_tag}"
  port                = 8050

  # /readyz, like every route but /healthz, needs the token when one is set: the readiness probe sends it
  readyz_probe = "fetch('http://127.0.0.1:${local.port}/readyz',{headers:{authorization:'Bearer '+process.env.NETWORKFLOW_AUTH_TOKEN}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
}

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "this" {
  name     = local.resource_group_name
  location = var.location
  tags     = local.tags
}

# ---- flow-log storage
resource "azurerm_storage_account" "logs" {
  name                            = "${var.name_prefix}${local.suffix}"
  resource_group_name             = azurerm_resource_group.this.name
  location                        = azurerm_resource_group.this.location
  account_tier                    = "Standard"
  account_replication_type        = var.storage_replication_type
  account_kind                    = "StorageV2"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = true
  tags                            = local.tags
}

resource "azurerm_storage_container" "logs" {
  name                  = var.log_container_name
  storage_account_id    = azurerm_storage_account.logs.id
  container_access_type = "private"
}

# ---- registry
resource "azurerm_container_registry" "this" {
  name                = "${var.name_prefix}acr${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  sku                 = var.acr_sku
  admin_enabled       = false
  tags                = local.tags
}

# ---- identity of the app: reads the logs, pulls the image
resource "azurerm_user_assigned_identity" "app" {
  name                = "${var.name_prefix}-id"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = local.tags
}

resource "azurerm_role_assignment" "blob_reader" {
  scope                = azurerm_storage_account.logs.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

# the identity that runs Terraform (the CI principal) reads the logs too, so `networkflow verify` can prove
# the container is readable with the same sign-in (management roles such as Contributor grant no data access)
resource "azurerm_role_assignment" "deployer_blob_reader" {
  count                = var.grant_deployer_blob_read ? 1 : 0
  scope                = azurerm_storage_account.logs.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "azurerm_role_assignment" "acr_pull" {
  scope                = azurerm_container_registry.this.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

# ---- optional Key Vault holding the auth token
resource "azurerm_key_vault" "this" {
  count                      = var.enable_key_vault ? 1 : 0
  name                       = "${var.name_prefix}-kv-${local.suffix}"
  resource_group_name        = azurerm_resource_group.this.name
  location                   = azurerm_resource_group.this.location
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  enable_rbac_authorization  = true
  purge_protection_enabled   = false
  soft_delete_retention_days = 7
  tags                       = local.tags
}

resource "azurerm_role_assignment" "kv_deployer" {
  count                = var.enable_key_vault ? 1 : 0
  scope                = azurerm_key_vault.this[0].id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "azurerm_role_assignment" "kv_app" {
  count                = var.enable_key_vault ? 1 : 0
  scope                = azurerm_key_vault.this[0].id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_key_vault_secret" "auth_token" {
  count        = var.enable_key_vault ? 1 : 0
  name         = "networkflow-auth-token"
  value        = var.auth_token
  key_vault_id = azurerm_key_vault.this[0].id
  content_type = "text/plain"
  tags         = local.tags

  depends_on = [azurerm_role_assignment.kv_deployer]
}

# ---- the dashboard: Azure Container Instance on 8050
resource "azurerm_container_group" "app" {
  count               = var.deploy_service ? 1 : 0
  name                = "${var.name_prefix}-aci"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  os_type             = "Linux"
  ip_address_type     = "Public"
  dns_name_label      = local.dns_name_label
  restart_policy      = "Always"
  tags                = local.tags

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.app.id]
  }

  image_registry_credential {
    server                    = azurerm_container_registry.this.login_server
    user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  }

  exposed_port {
    port     = local.port
    protocol = "TCP"
  }

  container {
    name   = "networkflow"
    image  = local.image
    cpu    = var.cpu
    memory = var.memory_gb

    ports {
      port     = local.port
      protocol = "TCP"
    }

    environment_variables = {
      NETWORKFLOW_STORAGE_ACCOUNT = azurerm_storage_account.logs.name
      NETWORKFLOW_CONTAINER       = azurerm_storage_container.logs.name
      NETWORKFLOW_HOST            = "0.0.0.0"
      NETWORKFLOW_PORT            = tostring(local.port)
      NETWORKFLOW_WATCH           = var.watch_interval
      AZURE_CLIENT_ID             = azurerm_user_assigned_identity.app.client_id
    }

    secure_environment_variables = {
      NETWORKFLOW_AUTH_TOKEN = var.auth_token
    }

    liveness_probe {
      http_get {
        path   = "/healthz"
        port   = local.port
        scheme = "http"
      }
      initial_delay_seconds = 30
      period_seconds        = 30
      failure_threshold     = 3
      timeout_seconds       = 5
    }

    readiness_probe {
      exec                  = ["node", "-e", local.readyz_probe]
      initial_delay_seconds = 10
      period_seconds        = 15
      failure_threshold     = 20
      timeout_seconds       = 5
    }
  }

  # the identity must hold AcrPull before the first pull, and Storage Blob Data Reader before the first read
  depends_on = [azurerm_role_assignment.acr_pull, azurerm_role_assignment.blob_reader]
}

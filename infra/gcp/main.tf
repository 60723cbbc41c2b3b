provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = merge({ app = "networkflow", managed-by = "terraform" }, var.labels)
}

module "networkflow" {
  source = "../modules/gcp"

  project_id           = var.project_id
  region               = var.region
  name_prefix          = var.name_prefix
  bucket_name          = var.bucket_name
  log_prefix           = var.log_prefix
  bucket_force_destroy = var.bucket_force_destroy
  image_name           = var.image_name
  deploy_service       = var.deploy_service
  image_tag            = var.image_tag
  cpu                  = var.cpu
  memory               = var.memory
  min_instances        = var.min_instances
  max_instances        = var.max_instances
  watch_interval       = var.watch_interval
  auth_token           = var.auth_token
  allow_public_access  = var.allow_public_access
  deletion_protection  = var.deletion_protection
  labels               = var.labels
}

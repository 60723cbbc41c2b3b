provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ app = "networkflow", managed-by = "terraform" }, var.tags)
  }
}

module "networkflow" {
  source = "../modules/aws"

  name_prefix        = var.name_prefix
  bucket_name        = var.bucket_name
  log_prefix         = var.log_prefix
  kms_key_arn        = var.kms_key_arn
  vpc_id             = var.vpc_id
  public_subnet_ids  = var.public_subnet_ids
  private_subnet_ids = var.private_subnet_ids
  assign_public_ip   = var.assign_public_ip
  allowed_cidrs      = var.allowed_cidrs
  certificate_arn    = var.certificate_arn
  deploy_service     = var.deploy_service
  image_tag          = var.image_tag
  ecr_immutable_tags = var.ecr_immutable_tags
  cpu                = var.cpu
  memory             = var.memory
  desired_count      = var.desired_count
  log_retention_days = var.log_retention_days
  watch_interval     = var.watch_interval
  auth_token         = var.auth_token
  tags               = var.tags
}

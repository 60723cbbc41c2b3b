variable "region" {
  type        = string
  description = "AWS region to deploy into."
  default     = "eu-west-1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix for resource names."
  default     = "networkflow"
}

variable "bucket_name" {
  type        = string
  description = "Flow-log bucket name (default: <name_prefix>-flowlogs-<random suffix>)."
  default     = null
}

variable "log_prefix" {
  type        = string
  description = "Key prefix of the flow logs in the bucket (empty: the whole bucket)."
  default     = ""
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the bucket's default encryption (null: SSE-S3)."
  default     = null
}

variable "vpc_id" {
  type        = string
  description = "Existing VPC (this configuration creates none), e.g. the default VPC: aws ec2 describe-vpcs --filters Name=is-default,Values=true."
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "At least two public subnets in different AZs, for the load balancer."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Subnets for the Fargate tasks, with a NAT gateway or VPC endpoints to ECR, S3, Logs and Secrets Manager (or public subnets with assign_public_ip = true)."
}

variable "assign_public_ip" {
  type        = bool
  description = "Give tasks a public IP (when the task subnets are public and have no NAT)."
  default     = false
}

variable "allowed_cidrs" {
  type        = list(string)
  description = "CIDR blocks allowed to reach the load balancer."
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate ARN for HTTPS on 443 (null: HTTP on 80)."
  default     = null
}

variable "deploy_service" {
  type        = bool
  description = "Create the container service. Set false for the very first apply, before any image is in the new registry (the service cannot start without one), then push the image and apply again with true."
  default     = true
}

variable "image_tag" {
  type        = string
  description = "Image tag to run (CI passes the commit SHA)."
  default     = "latest"
}

variable "ecr_immutable_tags" {
  type        = bool
  description = "Make ECR tags immutable."
  default     = false
}

variable "cpu" {
  type        = number
  description = "Fargate task CPU units."
  default     = 512
}

variable "memory" {
  type        = number
  description = "Fargate task memory (MiB)."
  default     = 2048
}

variable "desired_count" {
  type        = number
  description = "Number of running tasks."
  default     = 1
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the container logs in CloudWatch (days)."
  default     = 30
}

variable "watch_interval" {
  type        = string
  description = "NETWORKFLOW_WATCH: how often to re-read the bucket (empty: no watching)."
  default     = "5m"
}

variable "auth_token" {
  type        = string
  description = "Bearer token protecting the dashboard; set TF_VAR_auth_token from a secret."
  sensitive   = true
}

variable "tags" {
  type        = map(string)
  description = "Extra tags merged over the defaults (app = networkflow, managed-by = terraform)."
  default     = {}
}

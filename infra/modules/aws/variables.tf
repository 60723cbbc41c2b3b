variable "name_prefix" {
  type        = string
  description = "Prefix for resource names (lowercase letters, digits, hyphens; 3-20 characters)."
  default     = "networkflow"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,19}$", var.name_prefix))
    error_message = "name_prefix must be 3-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "bucket_name" {
  type        = string
  description = "Name of the flow-log S3 bucket (default: <name_prefix>-flowlogs-<random suffix>)."
  default     = null
}

variable "log_prefix" {
  type        = string
  description = "Key prefix of the flow logs inside the bucket (empty: the whole bucket)."
  default     = ""
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the bucket's default encryption (null: SSE-S3, AES256)."
  default     = null
}

variable "vpc_id" {
  type        = string
  description = "Existing VPC to deploy into (this module creates no VPC)."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Public subnets (at least two, in different AZs) for the Application Load Balancer."

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An ALB needs at least two public subnets in different availability zones."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Subnets for the Fargate tasks; they need a route to ECR, S3 and CloudWatch Logs (NAT gateway or VPC endpoints), or set assign_public_ip with public subnets."

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "At least one subnet is needed for the tasks."
  }
}

variable "assign_public_ip" {
  type        = bool
  description = "Give tasks a public IP (only when private_subnet_ids are public subnets without NAT)."
  default     = false
}

variable "allowed_cidrs" {
  type        = list(string)
  description = "CIDR blocks allowed to reach the load balancer."
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for an HTTPS listener on 443 (null: plain HTTP on 80)."
  default     = null
}

variable "deploy_service" {
  type        = bool
  description = "Create the container service. Set false for the very first apply, before any image is in the new registry (the service cannot start without one), then push the image and apply again with true."
  default     = true
}

variable "image_tag" {
  type        = string
  description = "Tag of the image in ECR to run (CI passes the commit SHA)."
  default     = "latest"
}

variable "ecr_immutable_tags" {
  type        = bool
  description = "Make ECR image tags immutable."
  default     = false
}

variable "cpu" {
  type        = number
  description = "Fargate task CPU units (256, 512, 1024, ...)."
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
  description = "Retention of the container logs in CloudWatch."
  default     = 30
}

variable "watch_interval" {
  type        = string
  description = "NETWORKFLOW_WATCH: how often to re-read the bucket for new logs (empty: no watching)."
  default     = "5m"
}

variable "auth_token" {
  type        = string
  description = "Bearer token protecting the dashboard (NETWORKFLOW_AUTH_TOKEN), stored in Secrets Manager; set TF_VAR_auth_token from a secret."
  sensitive   = true

  validation {
    condition     = length(var.auth_token) >= 16
    error_message = "auth_token must be at least 16 characters."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags merged over the defaults (app = networkflow, managed-by = terraform)."
  default     = {}
}

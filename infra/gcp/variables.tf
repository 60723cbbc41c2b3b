variable "project_id" {
  type        = string
  description = "GCP project to deploy into."
}

variable "region" {
  type        = string
  description = "Region of the bucket, registry and Cloud Run service."
  default     = "europe-west1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix for resource names."
  default     = "networkflow"
}

variable "bucket_name" {
  type        = string
  description = "Flow-log bucket name (default: <project_id>-<name_prefix>-flowlogs)."
  default     = null
}

variable "log_prefix" {
  type        = string
  description = "Object prefix of the flow logs in the bucket (empty: the whole bucket)."
  default     = ""
}

variable "bucket_force_destroy" {
  type        = bool
  description = "Allow terraform destroy to delete a non-empty bucket."
  default     = false
}

variable "image_name" {
  type        = string
  description = "Image name in the Artifact Registry repository."
  default     = "networkflow"
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

variable "cpu" {
  type        = string
  description = "CPU limit of the Cloud Run container."
  default     = "1"
}

variable "memory" {
  type        = string
  description = "Memory limit of the Cloud Run container."
  default     = "2Gi"
}

variable "min_instances" {
  type        = number
  description = "Minimum Cloud Run instances."
  default     = 1
}

variable "max_instances" {
  type        = number
  description = "Maximum Cloud Run instances."
  default     = 1
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

variable "allow_public_access" {
  type        = bool
  description = "Let allUsers invoke the service (the dashboard still requires the auth token)."
  default     = false
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Cloud Run service from terraform destroy."
  default     = false
}

variable "labels" {
  type        = map(string)
  description = "Extra labels merged over the defaults (app = networkflow, managed-by = terraform)."
  default     = {}
}

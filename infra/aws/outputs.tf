output "s3_bucket_name" {
  description = "Bucket holding the flow logs."
  value       = module.networkflow.s3_bucket_name
}

output "ecr_repository_url" {
  description = "ECR repository URL."
  value       = module.networkflow.ecr_repository_url
}

output "ecs_cluster_name" {
  description = "ECS cluster name."
  value       = module.networkflow.ecs_cluster_name
}

output "service_name" {
  description = "ECS service name (verify-resources --service)."
  value       = module.networkflow.ecs_service_name
}

output "log_prefix" {
  description = "Key prefix of the flow logs in the bucket (verify-resources --container)."
  value       = var.log_prefix
}

output "image_tag" {
  description = "Image tag the service runs (CI reuses it to keep the running image on infrastructure-only applies)."
  value       = var.image_tag
}

output "service_url" {
  description = "URL of the dashboard."
  value       = module.networkflow.service_url
}

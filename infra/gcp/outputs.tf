output "bucket_name" {
  description = "Bucket holding the flow logs."
  value       = module.networkflow.bucket_name
}

output "registry_url" {
  description = "Artifact Registry docker repository URL."
  value       = module.networkflow.registry_url
}

output "service_url" {
  description = "URL of the Cloud Run service."
  value       = module.networkflow.service_url
}

output "service_name" {
  description = "Cloud Run service name (verify-resources --service)."
  value       = module.networkflow.service_name
}

output "log_prefix" {
  description = "Object prefix of the flow logs in the bucket (verify-resources --container)."
  value       = var.log_prefix
}

output "image_tag" {
  description = "Image tag the service runs (CI reuses it to keep the running image on infrastructure-only applies)."
  value       = var.image_tag
}

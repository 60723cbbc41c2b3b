output "bucket_name" {
  description = "Bucket holding the flow logs (verify-resources --storage)."
  value       = google_storage_bucket.logs.name
}

output "registry_url" {
  description = "Artifact Registry docker repository URL (push <registry_url>/<image>:<tag>)."
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.app.repository_id}"
}

output "service_name" {
  description = "Cloud Run service name (verify-resources --service)."
  value       = one(google_cloud_run_v2_service.app[*].name)
}

output "service_url" {
  description = "URL of the Cloud Run service."
  value       = one(google_cloud_run_v2_service.app[*].uri)
}

output "service_account_email" {
  description = "Service account the service runs as."
  value       = google_service_account.app.email
}

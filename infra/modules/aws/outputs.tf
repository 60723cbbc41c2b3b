output "s3_bucket_name" {
  description = "Bucket holding the flow logs (verify-resources --storage)."
  value       = aws_s3_bucket.logs.bucket
}

output "ecr_repository_url" {
  description = "ECR repository URL (docker push target)."
  value       = aws_ecr_repository.app.repository_url
}

output "ecs_cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "ecs_service_name" {
  description = "ECS service name (verify-resources --service)."
  value       = one(aws_ecs_service.app[*].name)
}

output "service_url" {
  description = "URL of the dashboard behind the load balancer."
  value       = "${local.https ? "https" : "http"}://${aws_lb.app.dns_name}"
}

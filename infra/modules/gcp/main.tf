locals {
  labels      = merge({ app = "networkflow", managed-by = "terraform" }, var.labels)
  bucket_name = coalesce(var.bucket_name, "${var.project_id}-${var.name_prefix}-flowlogs")
  image       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.app.repository_id}/${var.image_name}:${var.image_tag}"
  port        = 8050
}

resource "google_project_service" "apis" {
  for_each = toset([
    "run.googleapis.com",
    "artifactregistry.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# ---- flow-log bucket: uniform access, never public, versioned
resource "google_storage_bucket" "logs" {
  project                     = var.project_id
  name                        = local.bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.bucket_force_destroy
  labels                      = local.labels

  versioning {
    enabled = true
  }

  depends_on = [google_project_service.apis]
}

# ---- registry
resource "google_artifact_registry_repository" "app" {
  project       = var.project_id
  location      = var.region
  repository_id = var.name_prefix
  format        = "DOCKER"
  description   = "networkflow images"
  labels        = local.labels

  depends_on = [google_project_service.apis]
}

# ---- the service's identity: reads the bucket, pulls the image, reads the token
resource "google_service_account" "app" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-run"
  display_name = "networkflow Cloud Run service"
}

resource "google_storage_bucket_iam_member" "app_reader" {
  bucket = google_storage_bucket.logs.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.app.member
}

resource "google_artifact_registry_repository_iam_member" "app_reader" {
  project    = var.project_id
  location   = google_artifact_registry_repository.app.location
  repository = google_artifact_registry_repository.app.name
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.app.member
}

# ---- auth token in Secret Manager
resource "google_secret_manager_secret" "auth_token" {
  project   = var.project_id
  secret_id = "${var.name_prefix}-auth-token"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "auth_token" {
  secret      = google_secret_manager_secret.auth_token.id
  secret_data = var.auth_token
}

resource "google_secret_manager_secret_iam_member" "app_accessor" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.auth_token.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.app.member
}

# ---- the dashboard: Cloud Run v2 on 8050
resource "google_cloud_run_v2_service" "app" {
  count               = var.deploy_service ? 1 : 0
  project             = var.project_id
  name                = var.name_prefix
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.deletion_protection
  labels              = local.labels

  template {
    service_account = google_service_account.app.email
    labels          = local.labels

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    containers {
      image = local.image

      ports {
        container_port = 8050
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        cpu_idle = false
      }

      env {
        name  = "NETWORKFLOW_SOURCE"
        value = "gs://${google_storage_bucket.logs.name}/${var.log_prefix}"
      }

      env {
        name  = "NETWORKFLOW_HOST"
        value = "0.0.0.0"
      }

      env {
        name  = "NETWORKFLOW_WATCH"
        value = var.watch_interval
      }

      env {
        name = "NETWORKFLOW_AUTH_TOKEN"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.auth_token.secret_id
            version = "latest"
          }
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
          port = 8050
        }
        initial_delay_seconds = 0
        period_seconds        = 5
        timeout_seconds       = 3
        failure_threshold     = 24
      }

      liveness_probe {
        http_get {
          path = "/healthz"
          port = 8050
        }
        period_seconds    = 30
        timeout_seconds   = 5
        failure_threshold = 3
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_version.auth_token,
    google_secret_manager_secret_iam_member.app_accessor,
    google_storage_bucket_iam_member.app_reader,
    google_artifact_registry_repository_iam_member.app_reader,
  ]
}

resource "google_cloud_run_v2_service_iam_member" "public" {
  count    = var.allow_public_access && var.deploy_service ? 1 : 0
  project  = var.project_id
  location = google_cloud_run_v2_service.app[0].location
  name     = google_cloud_run_v2_service.app[0].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

terraform {
  required_version = ">= 1.10"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
  }

  # Partial configuration: bucket comes from `terraform init -backend-config=backend.hcl`
  # (see backend.hcl.example). The gcs backend locks the state with a lock object of its own.
  backend "gcs" {
    prefix = "networkflow/gcp"
  }
}

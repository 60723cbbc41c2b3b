terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.0"
    }
  }

  # Partial configuration: bucket and region come from `terraform init -backend-config=backend.hcl`
  # (see backend.hcl.example). Locking uses S3's native lockfile (Terraform >= 1.10), no DynamoDB table.
  backend "s3" {
    key          = "networkflow/aws.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

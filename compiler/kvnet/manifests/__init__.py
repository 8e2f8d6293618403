"""The manifests front end: existing Kubernetes YAML → the same model the site front end builds."""

"""OpenFlow programming of br-int: the pipeline, its manager and reconciliation."""

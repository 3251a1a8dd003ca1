"""Cost-benefit appraisal."""

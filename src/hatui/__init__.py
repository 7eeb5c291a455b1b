"""hatui: a live terminal view of a Kubernetes HA control plane."""

__version__ = "0.1.0"

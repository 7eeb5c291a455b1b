"""Drills: failover tests as files, run headless (`hatui drill`) or from the app.

- `scenario`: the YAML format, parsed into frozen steps with file:line errors (pure);
- `expect`: one expectation against one `ClusterState` -> mismatches (pure);
- `runner`: `DrillRunner`, the async part: sweeps, faults, the Watcher's figures, cleanup;
- `report`: the step table, JSON and Markdown (pure).

Nothing here imports textual or rich.
"""

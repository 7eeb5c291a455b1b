"""`hatui lab`: a miniature kubeadm HA control plane of real Debian daemons in network namespaces.

Kept free of heavy imports: the in-node helpers (`holder`, `svc`, `standin`) run as
`python -m hatui.lab.X` inside every node and must start fast.
"""

// A worker built on BatonCluster registers functions and enqueues: it sees Baton too.
@_exported import Baton

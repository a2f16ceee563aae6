// Users of Baton enqueue inside their own LibPQ transactions: they see its types too.
@_exported import LibPQ

// BatonCluster: the worker runtime (fetcher, executors, completer, listener, rescuer).
//
// It depends on Baton and is linked by the `baton` tool and by users' own worker
// executables; a web app that only enqueues links Baton alone. The runtime arrives with
// the tasks-and-chains work; until then this module holds no code.
@_exported import Baton

// The example of django-q's chain chapter, in Swift. Needs a cluster: `baton cluster`.
import Baton

// create a chain that uses the cache backend
let chain = Chain(cached: true)

// add some tasks
chain.append("math.copysign", 1, -1)
chain.append("math.floor", 1)

// run it
try await chain.run()

print(try await chain.result())

// The example of django-q's chain chapter, in Swift. Needs a cluster: `baton cluster`.
import Baton
import Foundation

// create a chain that uses the cache backend
let chain = Chain(cached: true)

// add some tasks
chain.append("math.copysign", 1, -1)
chain.append("math.floor", 1)

// run it
try await chain.run()

guard let results = try await chain.result(wait: .seconds(30)) else {
    FileHandle.standardError.write(Data("the chain did not finish within 30 s; is a cluster running? (baton cluster)\n".utf8))
    exit(1)
}
print(results)

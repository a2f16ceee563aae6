import Foundation
import Testing

/// The `baton` binary beside the test bundle in the build folder.
enum BatonBinary {
    static var path: String {
        get throws {
            let folder = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                .deletingLastPathComponent()
            let path = folder.appendingPathComponent("baton").path
            try #require(FileManager.default.isExecutableFile(atPath: path), "build baton first: swift build")
            return path
        }
    }

    /// Starts `baton` with these arguments, its output going to this process's standard error.
    static func start(_ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

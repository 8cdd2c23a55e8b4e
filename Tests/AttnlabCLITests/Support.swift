import Foundation
import Synchronization
@testable import AttnlabCLI

/// What one command printed, and how it ended.
struct CommandResult {
    let status: Int32
    let out: [String]
    let err: [String]
}

/// Lines collected from several threads.
final class LineBuffer: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0 += line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Runs `attnlab <arguments>` in this process, capturing what it says.
func attnlab(_ arguments: [String]) -> CommandResult {
    let out = LineBuffer(), err = LineBuffer()
    let status = Console.capture(out: { out.append($0) }, err: { err.append($0) }) {
        Attnlab.execute(arguments)
    }
    return CommandResult(status: status, out: out.all, err: err.all)
}

func attnlab(_ arguments: String...) -> CommandResult { attnlab(arguments) }

/// The built `attnlab` executable, next to the test bundle.
func attnlabExecutable() -> URL {
    let binary = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("attnlab")
    return FileManager.default.fileExists(atPath: binary.path) ? binary : Bundle.main.bundleURL.appendingPathComponent("attnlab")
}

/// Runs the built `attnlab` executable as a separate process, in `folder` if given, with
/// `environment` added to this process's own.
func attnlabProcess(_ arguments: [String], in folder: URL? = nil, environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = attnlabExecutable()
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    func lines(_ data: Data) -> [String] {
        String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
    return CommandResult(status: process.terminationStatus, out: lines(outData), err: lines(errData))
}

/// Folders earlier test runs left under /tmp (their process is gone) are removed once per run.
private let staleFoldersRemoved: Void = {
    let temporary = FileManager.default.temporaryDirectory
    for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
    where name.hasPrefix("attnlab-tests-") || name.hasPrefix("attnlab-reports-") {
        guard let pid = Int32(name.split(separator: "-").last ?? ""), pid != getpid(), kill(pid, 0) != 0 else { continue }
        try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
    }
}()

/// A fresh empty folder under the system's temporary folder.
func temporaryFolder(_ name: String = #function) throws -> URL {
    _ = staleFoldersRemoved
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("attnlab-tests-\(ProcessInfo.processInfo.processIdentifier)")
        .appendingPathComponent(name.filter { $0.isLetter || $0.isNumber })
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

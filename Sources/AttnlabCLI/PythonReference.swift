import Foundation
import Reports

/// The reference scripts a benchmark compares with (PyTorch, matplotlib), run as `python3 script`.
/// Only `bench` starts them, and never inside a lesson.
enum PythonReference {
    /// Runs `python3 script arguments…` and returns the JSON object on its last line of output.
    static func run(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw CLIError("cannot start python3: \(error.localizedDescription)") }
        Cleanup.shared.register(child: process.processIdentifier)   // Ctrl-C stops it too
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        Cleanup.shared.unregister(child: process.processIdentifier)
        let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any] else {
            throw CLIError("the reference \(script) failed (exit \(process.terminationStatus)); run python3 \(script) to see why")
        }
        return object
    }

    /// Checks, before any timing, that `script` exists and python3 can import `modules`.
    static func check(_ script: String, option: String, modules: [String]) throws {
        guard FileManager.default.fileExists(atPath: script) else {
            throw CLIError("cannot find \(script); run from the project folder or pass \(option)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import " + modules.joined(separator: ", ")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw CLIError("cannot start python3: \(error.localizedDescription)") }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("python3 cannot import \(modules.joined(separator: " and ")), which \(script) needs: pip install \(modules.joined(separator: " "))")
        }
    }
}

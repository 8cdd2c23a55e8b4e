import Dispatch
import Foundation

/// What to remove if the program is stopped by Ctrl-C or SIGTERM part-way through writing: the
/// temporary files and new folders of every open `OutputSet`, and any scratch folder a command
/// registers.
public final class CleanupList: @unchecked Sendable {
    private let lock = NSLock()
    private var files: Set<String> = []
    private var folders: [String] = []     // in creation order

    public init() {}

    public func register(_ path: String, isFolder: Bool = false) {
        lock.withLock { if isFolder { folders.append(path) } else { files.insert(path) } }
    }

    public func unregister(_ path: String) {
        lock.withLock {
            files.remove(path)
            folders.removeAll { $0 == path }
        }
    }

    /// Removes every registered file, then every registered folder, deepest first, with what it
    /// holds (a registered folder is one this program created).
    public func removeAll() {
        lock.withLock {
            for file in files { unlink(file) }
            for folder in folders.reversed() { try? FileManager.default.removeItem(atPath: folder) }
            files = []
            folders = []
        }
    }
}

public enum Cleanup {
    /// The process's list, which the signal handlers empty.
    public static let shared = CleanupList()

    /// Exit status after Ctrl-C or SIGTERM: 128 + SIGINT, the shell's convention for an interrupt.
    public static let interruptedStatus: Int32 = 130

    public static func register(_ path: String, isFolder: Bool = false) { shared.register(path, isFolder: isFolder) }
    public static func unregister(_ path: String) { shared.unregister(path) }

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let once = NSLock()

    /// On SIGINT and SIGTERM: remove what is registered and exit with status 130. The handler runs
    /// on a dispatch queue (not in an async signal context), so it may lock and use the file system.
    public static func installSignalHandlers() {
        once.withLock {
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    shared.removeAll()
                    FileHandle.standardError.write(Data("\nattnlab: interrupted; nothing was left half-written\n".utf8))
                    _exit(interruptedStatus)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}

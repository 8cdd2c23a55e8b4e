import Dispatch
import Foundation

/// What to remove if the program is stopped by Ctrl-C or SIGTERM part-way through writing: the
/// temporary files and new folders of every open `OutputSet`, any scratch folder a command
/// registers, and any child process it started.
///
/// Creating a file or folder and registering it happen under one lock, and the interrupt handler
/// takes that lock and never gives it back (it exits holding it). So a file is either created and
/// registered before the handler runs, and removed by it, or never created at all.
public final class CleanupList: @unchecked Sendable {
    private let lock = NSLock()
    private var files: Set<String> = []
    private var folders: [String] = []     // in creation order
    private var children: Set<Int32> = []

    public init() {}

    /// Creates (or truncates) `path` for writing and registers it; returns the descriptor, or -1
    /// with errno set.
    public func createFile(_ path: String) -> Int32 {
        lock.withLock {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd >= 0 { files.insert(path) }
            return fd
        }
    }

    /// Creates the folder `path` and registers it; false with errno set on failure.
    public func makeFolder(_ path: String) -> Bool {
        lock.withLock {
            guard mkdir(path, 0o755) == 0 else { return false }
            folders.append(path)
            return true
        }
    }

    /// Renames `from` to `to`, and from then on `to` is what an interrupt removes.
    public func rename(_ from: String, to: String) -> Bool {
        lock.withLock {
            guard Foundation.rename(from, to) == 0 else { return false }
            files.remove(from)
            files.insert(to)
            return true
        }
    }

    /// Registers a folder or file made elsewhere (a scratch folder from mkdtemp), or a child process.
    public func register(_ path: String, isFolder: Bool = false) {
        lock.withLock { if isFolder { folders.append(path) } else { files.insert(path) } }
    }
    public func register(child: Int32) { lock.withLock { _ = children.insert(child) } }

    /// Forgets `paths` (they are to stay, or are gone).
    public func unregister(_ paths: [String]) {
        lock.withLock {
            for path in paths {
                files.remove(path)
                if let i = folders.lastIndex(of: path) { folders.remove(at: i) }
            }
        }
    }
    public func unregister(child: Int32) { lock.withLock { _ = children.remove(child) } }

    /// Stops every registered child, removes every registered file, then every registered folder,
    /// deepest first, with what it holds (a registered folder is one this program created).
    public func removeAll() {
        lock.withLock { removeLocked() }
    }

    /// `removeAll`, then exit with `status` without ever releasing the lock: nothing can be
    /// created or registered after the removal.
    func removeAllAndExit(_ status: Int32, message: String) -> Never {
        lock.lock()
        removeLocked()
        FileHandle.standardError.write(Data(message.utf8))
        _exit(status)
    }

    private func removeLocked() {
        for child in children { kill(child, SIGTERM) }
        for file in files { unlink(file) }
        for folder in folders.reversed() { try? FileManager.default.removeItem(atPath: folder) }
        files = []
        folders = []
        children = []
    }
}

public enum Cleanup {
    /// The process's list, which the signal handlers empty.
    public static let shared = CleanupList()

    /// Exit status after Ctrl-C or SIGTERM: 128 + SIGINT, the shell's convention for an interrupt.
    public static let interruptedStatus: Int32 = 130

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var deferredDepth = 0
    nonisolated(unsafe) private static var shieldedDepth = 0
    nonisolated(unsafe) private static var requested = false
    nonisolated(unsafe) private static var firstRequest = DispatchTime.now()
    private static let state = NSLock()

    /// While `body` runs, a first Ctrl-C only sets `interruptRequested`, so that a long job (a
    /// training run) can finish its step and save; a second one, a second or more later, stops at
    /// once. (`timeout` and a terminal may deliver one Ctrl-C twice: to the process and to its group.)
    public static func deferringInterrupts<R>(_ body: () throws -> R) rethrows -> R {
        state.withLock { deferredDepth += 1 }
        defer { state.withLock { deferredDepth -= 1 } }
        return try body()
    }

    /// While `body` runs (a save that swaps folders), every Ctrl-C waits: stopping half-way would
    /// leave a folder moved aside. A stop asked for meanwhile happens as `body` ends, unless a
    /// `deferringInterrupts` scope around it will look at `interruptRequested` itself.
    public static func shielded<R>(_ body: () throws -> R) rethrows -> R {
        state.withLock { shieldedDepth += 1 }
        defer {
            let stopNow = state.withLock { () -> Bool in
                shieldedDepth -= 1
                return requested && shieldedDepth == 0 && deferredDepth == 0
            }
            if stopNow { shared.removeAllAndExit(interruptedStatus, message: "attnlab: interrupted\n") }
        }
        return try body()
    }

    /// Whether a deferred Ctrl-C or SIGTERM has arrived.
    public static var interruptRequested: Bool { state.withLock { requested } }

    /// On SIGINT and SIGTERM: remove what is registered and exit with status 130 (unless deferred,
    /// the first time). The handler runs on a dispatch queue, not in an async signal context, so
    /// it may lock and use the file system.
    public static func installSignalHandlers() {
        state.withLock {
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    let wait = state.withLock { () -> Bool in
                        if shieldedDepth > 0 { requested = true; return true }
                        guard deferredDepth > 0 else { return false }
                        if !requested { requested = true; firstRequest = .now(); return true }
                        // The same Ctrl-C delivered twice (within a second) is still one.
                        return DispatchTime.now().uptimeNanoseconds - firstRequest.uptimeNanoseconds < 1_000_000_000
                    }
                    if wait { return }
                    // On a terminal, end a progress line first.
                    let start = isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[K" : ""
                    shared.removeAllAndExit(interruptedStatus, message: start + "attnlab: interrupted; nothing was left half-written\n")
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}

/// A private folder under the system's temporary folder, made by mkdtemp (so its name cannot be
/// guessed and it cannot already be a link), which Ctrl-C removes with what it holds.
public struct ScratchFolder: Sendable {
    public let path: String

    public init(prefix: String) throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/\(prefix)-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let made else {
            throw OutputError("cannot create a scratch folder in \(FileManager.default.temporaryDirectory.path): \(String(cString: strerror(errno)))")
        }
        path = made
        Cleanup.shared.register(path, isFolder: true)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
        Cleanup.shared.unregister([path])
    }
}
